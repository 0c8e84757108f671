package io.fusewire.transport.shm;

import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The shm provider: peers on the same host write straight into each other's memory-mapped region
 * files. One device, {@code shm0}. Opening it removes files left by processes that died.
 */
public final class ShmFabric implements Fabric
{
    private final TransportContext context;
    private final ShmFiles files;
    private final List<Device> devices = new CopyOnWriteArrayList<>();

    /**
     * @param context the configuration, concluded.
     */
    public ShmFabric(final TransportContext context)
    {
        this.context = context;
        this.files = new ShmFiles(context.shmDirectory());
        if (!Files.isDirectory(files.directory()) || !Files.isWritable(files.directory()))
        {
            throw new TransportException("shm directory " + files.directory() + " is missing or not writable: set "
                + TransportContext.SHM_DIRECTORY_PROP + " to a writable tmpfs directory");
        }
        files.sweepStale();
    }

    @Override
    public String provider()
    {
        return "shm";
    }

    @Override
    public List<String> deviceNames()
    {
        return List.of("shm0");
    }

    @Override
    public Device openDevice(final String name)
    {
        if (!"shm0".equals(name))
        {
            throw new TransportException("no shm device '" + name + "': the shm provider has one device, shm0");
        }
        final Device device = new ShmDevice(context, files);
        devices.add(device);
        return device;
    }

    @Override
    public void close()
    {
        devices.forEach(Device::close);
        devices.clear();
    }
}
