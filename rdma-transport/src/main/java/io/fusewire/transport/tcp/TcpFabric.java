package io.fusewire.transport.tcp;

import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The tcp provider: one-sided writes emulated over framed TCP, for any IP network. One device,
 * {@code tcp0}; the operating system picks the NIC by route.
 */
public final class TcpFabric implements Fabric
{
    private final TransportContext context;
    private final List<Device> devices = new CopyOnWriteArrayList<>();

    /**
     * @param context the configuration, concluded.
     */
    public TcpFabric(final TransportContext context)
    {
        this.context = context;
    }

    @Override
    public String provider()
    {
        return "tcp";
    }

    @Override
    public List<String> deviceNames()
    {
        return List.of("tcp0");
    }

    @Override
    public Device openDevice(final String name)
    {
        if (!"tcp0".equals(name))
        {
            throw new TransportException("no tcp device '" + name + "': the tcp provider has one device, tcp0");
        }
        final Device device = new TcpDevice(context);
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
