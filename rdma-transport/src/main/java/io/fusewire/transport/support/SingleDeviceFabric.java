package io.fusewire.transport.support;

import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.TransportException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A fabric with one device, as {@code shm} and {@code tcp} have: opening it again gives another instance. */
public abstract class SingleDeviceFabric implements Fabric
{
    private final String provider;
    private final String deviceName;
    private final Supplier<Device> factory;
    private final List<Device> devices = new CopyOnWriteArrayList<>();

    /**
     * @param provider   the provider name.
     * @param deviceName its one device.
     * @param factory    makes the device.
     */
    protected SingleDeviceFabric(final String provider, final String deviceName, final Supplier<Device> factory)
    {
        this.provider = provider;
        this.deviceName = deviceName;
        this.factory = factory;
    }

    @Override
    public final String provider()
    {
        return provider;
    }

    @Override
    public final List<String> deviceNames()
    {
        return List.of(deviceName);
    }

    @Override
    public final Device openDevice(final String name)
    {
        if (!deviceName.equals(name))
        {
            throw new TransportException("no " + provider + " device '" + name + "': the " + provider
                + " provider has one device, " + deviceName);
        }
        final Device device = factory.get();
        devices.add(device);
        return device;
    }

    @Override
    public final void close()
    {
        devices.forEach(Device::close);
        devices.clear();
    }
}
