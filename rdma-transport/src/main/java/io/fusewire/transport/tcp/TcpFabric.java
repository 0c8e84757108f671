package io.fusewire.transport.tcp;

import io.fusewire.transport.TransportContext;
import io.fusewire.transport.support.SingleDeviceFabric;

/**
 * The tcp provider: one-sided writes emulated over framed TCP, for any IP network. One device,
 * {@code tcp0}; the operating system picks the NIC by route.
 */
public final class TcpFabric extends SingleDeviceFabric
{
    /**
     * @param context the configuration, concluded.
     */
    public TcpFabric(final TransportContext context)
    {
        super("tcp", "tcp0", () -> new TcpDevice(context));
    }
}
