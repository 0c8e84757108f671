package io.fusewire.transport.shm;

import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import io.fusewire.transport.support.SingleDeviceFabric;
import java.nio.file.Files;

/**
 * The shm provider: peers on the same host write straight into each other's memory-mapped region
 * files. One device, {@code shm0}. Opening it removes files left by processes that died.
 */
public final class ShmFabric extends SingleDeviceFabric
{
    /**
     * @param context the configuration, concluded.
     */
    public ShmFabric(final TransportContext context)
    {
        this(context, new ShmFiles(context.shmDirectory()));
    }

    private ShmFabric(final TransportContext context, final ShmFiles files)
    {
        super("shm", "shm0", () -> new ShmDevice(context, files));
        if (!Files.isDirectory(files.directory()) || !Files.isWritable(files.directory()))
        {
            throw new TransportException("shm directory " + files.directory() + " is missing or not writable: set "
                + TransportContext.SHM_DIRECTORY_PROP + " to a writable tmpfs directory");
        }
        files.sweepStale();
    }
}
