package io.fusewire.transport;

import io.fusewire.transport.shm.ShmFabric;
import io.fusewire.transport.tcp.TcpFabric;
import io.fusewire.transport.verbs.VerbsFabric;
import java.util.List;

/**
 * One transport provider and the devices it can open, as a verbs context list or an NCCL net
 * plugin: {@code shm} (same host, one-sided copies into mapped files), {@code tcp} (any IP
 * network), {@code verbs} (RoCE/InfiniBand through rdma-core).
 */
public interface Fabric extends AutoCloseable
{
    /** The providers {@link #open} knows, in the order they should be tried on one host. */
    List<String> PROVIDERS = List.of("shm", "tcp", "verbs");

    /**
     * @param provider a name from {@link #PROVIDERS}.
     * @param context  the configuration; concluded here.
     * @return the fabric.
     * @throws TransportException if the provider is unknown or cannot start here.
     */
    static Fabric open(final String provider, final TransportContext context)
    {
        context.conclude();
        return switch (provider)
        {
            case "shm" -> new ShmFabric(context);
            case "tcp" -> new TcpFabric(context);
            case "verbs" -> new VerbsFabric(context);
            default -> throw new TransportException("unknown transport '" + provider + "': use one of " + PROVIDERS);
        };
    }

    /** @return the provider name. */
    String provider();

    /** @return the names of the devices this fabric can open. */
    List<String> deviceNames();

    /**
     * @param name one of {@link #deviceNames()}.
     * @return the device, open.
     */
    Device openDevice(String name);

    /** @return the first device, opened: what a caller wants on a host with one NIC. */
    default Device openDefaultDevice()
    {
        return openDevice(deviceNames().getFirst());
    }

    /** Closes the devices opened here. Idempotent. */
    @Override
    void close();
}
