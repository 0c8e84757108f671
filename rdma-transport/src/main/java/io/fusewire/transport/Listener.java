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

    /** @return the address peers connect to, as host:port (the real port if 0 was asked). */
    String address();

    /** Stops accepting; accepted connections stay open, those not yet accepted are closed. Idempotent. */
    @Override
    void close();
}
