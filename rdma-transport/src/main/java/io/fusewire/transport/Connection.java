package io.fusewire.transport;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.agrona.DirectBuffer;

/**
 * A reliable, ordered connection to one peer, in the manner of a verbs RC queue pair. Operations
 * are non-blocking: they return a {@link PostResult} code at once and complete later through the
 * {@link CompletionQueue} the connection is bound to, in the order they were posted. They never
 * allocate and never throw. A connection belongs to the thread that polls its queue.
 */
public interface Connection extends AutoCloseable
{
    /**
     * One-sided write of {@code length} bytes from {@code local} into the peer's region, with a
     * 32-bit immediate that the peer receives in a {@link Opcode#WRITE_IMM} completion after the
     * data has landed. The local range must not change until the {@link Opcode#WRITE} completion.
     *
     * @param local        source region.
     * @param localOffset  first source byte.
     * @param length       bytes to write, 0 or more.
     * @param remote       a region of the peer, from {@link #remoteRegions()}.
     * @param remoteOffset where in that region the data goes.
     * @param immediate    delivered with the peer's completion.
     * @param wrId         returned in this side's completion.
     * @return a {@link PostResult} code.
     */
    int write(MemoryRegion local, long localOffset, int length, RemoteRegion remote, long remoteOffset, int immediate, long wrId);

    /**
     * Sends a small control message, delivered as a {@link Opcode#RECV} completion at the peer.
     *
     * @param message the bytes; copied before this returns.
     * @param offset  first byte.
     * @param length  at most {@link #maxMessageLength()}.
     * @param wrId    returned in this side's {@link Opcode#SEND} completion.
     * @return a {@link PostResult} code.
     */
    int send(DirectBuffer message, int offset, int length, long wrId);

    /** @return the regions the peer exposed when the connection was set up. */
    List<RemoteRegion> remoteRegions();

    /**
     * The peer's region as memory this process reads directly, where the provider maps the peer's
     * memory into this process (shm): a same-host consumer then reads a peer's data where it lies
     * rather than having the peer write it over. Null where the peer's memory is reachable only
     * through writes (tcp, verbs). Valid until the connection is closed, also while its DISCONNECTED
     * is handled (what the peer last wrote stays readable: a failover takes results from it); what it
     * reads is ordered after the peer's writes that preceded a completion this side has polled.
     *
     * @param region a region of the peer, from {@link #remoteRegions()}.
     * @return a read-only view of it, or null.
     */
    default MemorySegment mapped(final RemoteRegion region)
    {
        return null;
    }

    /** @return the private data the connecting side sent (empty on the connecting side). */
    byte[] peerData();

    /** @return the longest message {@link #send} takes. */
    int maxMessageLength();

    /** @return true until the connection ends or is closed. */
    boolean isConnected();

    /** @return the peer, as host:port and process id, for messages. */
    String peer();

    /**
     * Tells the peer, after what was posted, then frees the connection's resources. Idempotent. Not
     * for the data path: it may wait for the posted work to leave, a bounded while (at most 2 s).
     */
    @Override
    void close();
}
