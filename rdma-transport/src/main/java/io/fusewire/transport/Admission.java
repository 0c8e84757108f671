package io.fusewire.transport;

import java.util.List;

/**
 * What a {@link Listener} does with each connect request: admit it, choosing the regions that peer
 * may write into, or refuse it by throwing {@link TransportException}, whose message is sent to the
 * peer (its {@link Device#connect} fails with it). Runs on the listener's handshake thread, once
 * per request, before the connection exists; the peer's private data (the job and rank it claims,
 * a secret) is what it decides on, as with the private data of an RDMA CM connect request.
 */
@FunctionalInterface
public interface Admission
{
    /**
     * @param peer        the peer, host:port and process id.
     * @param challenge   the fresh random bytes this listener sent the peer before its request, so
     *                    that the private data can prove a secret without carrying it.
     * @param privateData what the peer sent with its request (maybe empty).
     * @return the regions this peer may write into.
     * @throws TransportException to refuse, with the reason for the peer.
     * @throws AskAgain            to ask the peer to connect again with more.
     */
    List<MemoryRegion> admit(String peer, byte[] challenge, byte[] privateData);

    /**
     * A refusal that is a step of the admission's protocol, not a failure: the peer is to connect
     * again with more in its private data (a job's key the first time a daemon sees the job). Its
     * message reaches the peer as any refusal's does; the listener does not log it as a refusal.
     */
    final class AskAgain extends RuntimeException
    {
        /** @param message what the peer is to send. */
        public AskAgain(final String message)
        {
            super(message);
        }
    }

    /**
     * A request this admission admitted did not become a connection (the handshake failed after
     * it); whatever the admission reserved for it may be released. Handshake thread; by default
     * nothing.
     *
     * @param peer        the peer.
     * @param privateData what it sent.
     */
    default void abandoned(final String peer, final byte[] privateData)
    {
    }

    /**
     * @param regions the regions every peer may write into.
     * @return an admission that admits everyone.
     */
    static Admission exposing(final List<MemoryRegion> regions)
    {
        final List<MemoryRegion> copy = List.copyOf(regions);
        return (peer, challenge, privateData) -> copy;
    }
}
