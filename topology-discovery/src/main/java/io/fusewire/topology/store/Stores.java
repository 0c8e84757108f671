package io.fusewire.topology.store;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** Opens a store by address: {@code tcp://host:port} or {@code file:///shared/dir}. */
public final class Stores
{
    private Stores()
    {
    }

    /**
     * @param address where the store is.
     * @param timeout bound on connecting and on each request.
     * @return the store.
     * @throws IllegalArgumentException saying what an address looks like.
     */
    public static Store open(final String address, final Duration timeout)
    {
        final URI uri = URI.create(address);
        if ("tcp".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0)
        {
            return new TcpStore(uri.getHost(), uri.getPort(), timeout);
        }
        if ("file".equals(uri.getScheme()))
        {
            return new FileStore(Path.of(uri));
        }
        throw new IllegalArgumentException("'" + address + "' is not a store address: use tcp://host:port or file:///shared/dir");
    }
}
