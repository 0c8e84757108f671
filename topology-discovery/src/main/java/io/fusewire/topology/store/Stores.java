package io.fusewire.topology.store;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Opens a job's keys in a store by address: {@code tcp://host:port} (a {@link StoreServer}, to which
 * the client proves the job's secret) or {@code file:///shared/dir} (the job's keys in a directory of
 * its own under it, guarded by the filesystem's permissions).
 */
public final class Stores
{
    private Stores()
    {
    }

    /**
     * @param address where the store is.
     * @param job     the job whose keys to use.
     * @param secret  the job's secret.
     * @param timeout bound on connecting and on each request.
     * @return the store.
     * @throws IllegalArgumentException saying what an address looks like.
     */
    public static Store open(final String address, final long job, final String secret, final Duration timeout)
    {
        final URI uri = URI.create(address);
        if ("tcp".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0)
        {
            return new TcpStore(uri.getHost(), uri.getPort(), job, secret, timeout);
        }
        if ("file".equals(uri.getScheme()))
        {
            return new FileStore(Path.of(uri).resolve("job-" + job));
        }
        throw new IllegalArgumentException("'" + address + "' is not a store address: use tcp://host:port or file:///shared/dir");
    }
}
