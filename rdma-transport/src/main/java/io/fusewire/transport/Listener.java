package io.fusewire.transport;

/**
 * Accepts connections on a host:port. Handshakes run in the background, each bounded by the
 * connect timeout; a peer that sends garbage or stalls is dropped with a logged reason and the
 * listener keeps serving.
 */
public interface Listener extends AutoCloseable
{
    /**
     * @return the next established connection, bound from now on to the listener's completion
     *     queue (nothing it received is reported before), or null if none is waiting. Never blocks.
     */
    Connection accept();

    /**
     * Waits for the next established connection, for setup code that has nothing else to do.
     *
     * @param timeout how long to wait.
     * @return the connection, bound to the listener's queue.
     * @throws TransportException if none came in time.
     */
    default Connection accept(final java.time.Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        Connection connection;
        while ((connection = accept()) == null)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new TransportException("no peer connected to " + address() + " within " + timeout.toMillis() + " ms");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        return connection;
    }

    /** @return the address peers connect to, as host:port (the real port if 0 was asked). */
    String address();

    /** Stops accepting; accepted connections stay open, those not yet accepted are closed. Idempotent. */
    @Override
    void close();
}
