package io.fusewire.transport.support;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.Connection;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.RemoteRegion;
import io.fusewire.transport.Status;
import io.fusewire.transport.TransportContext;

/**
 * The send queue of a connection: every posted work request, in order, from post to the
 * completion handed to the caller, like the send queue of a verbs RC queue pair. Three cursors
 * over one sequence of work requests:
 *
 * <pre>
 *   reported        acknowledged          posted
 *      |  done, not yet   |  on the wire, not  |
 *      |  handed over     |  yet acknowledged  |
 *   ---+------------------+--------------------+---&gt; sequence
 *      |&lt;-------------- at most capacity ------&gt;|
 * </pre>
 *
 * A slot is reused only after its completion was handed over, so back pressure follows from
 * {@link #isFull()}. Struct-of-arrays, preallocated: nothing allocates after construction.
 */
public final class SendQueue
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.transport");
    private static final String SOURCE_CHANGED_REASON = "the source bytes changed between the post and the completion: the caller"
        + " reused the local range too early (wait for the WRITE completion; found by " + TransportContext.VERIFY_SOURCES_PROP + ")";

    private final int capacity;
    private final int mask;
    private final int[] opcodes;
    private final long[] wrIds;
    private final int[] lengths;
    private final int[] statuses;
    private final int[] refusals;
    private final int[] remoteKeys;
    private final long[] remoteOffsets;
    private final long[] regionLengths;
    private final SourceGuard guard;
    private long posted;
    private long acknowledged;
    private long reported;

    /**
     * @param capacity      work requests in flight, a power of two.
     * @param verifySources whether a write whose source changed before its completion fails, see
     *                      {@link TransportContext#VERIFY_SOURCES_PROP}.
     */
    public SendQueue(final int capacity, final boolean verifySources)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("send queue capacity must be a power of two: " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        opcodes = new int[capacity];
        wrIds = new long[capacity];
        lengths = new int[capacity];
        statuses = new int[capacity];
        refusals = new int[capacity];
        remoteKeys = new int[capacity];
        remoteOffsets = new long[capacity];
        regionLengths = new long[capacity];
        guard = verifySources ? new SourceGuard(capacity) : null;
    }

    /** @return true when no work request can be posted until completions are handed over. */
    public boolean isFull()
    {
        return posted - reported == capacity;
    }

    /**
     * Posts a send; the caller has checked {@link #isFull()}.
     *
     * @param wrId   the caller's id.
     * @param length bytes.
     * @return the sequence number of the work request.
     */
    public long postSend(final long wrId, final int length)
    {
        return post(Opcode.SEND, wrId, length, 0, 0, 0);
    }

    private long post(
        final int opcode,
        final long wrId,
        final int length,
        final int remoteKey,
        final long remoteOffset,
        final long regionLength)
    {
        final long seq = posted++;
        final int slot = (int)seq & mask;
        opcodes[slot] = opcode;
        wrIds[slot] = wrId;
        lengths[slot] = length;
        statuses[slot] = Status.SUCCESS;
        refusals[slot] = 0;
        remoteKeys[slot] = remoteKey;
        remoteOffsets[slot] = remoteOffset;
        regionLengths[slot] = regionLength;
        return seq;
    }

    /**
     * Posts a write; the caller has checked {@link #isFull()}.
     *
     * @param wrId         the caller's id.
     * @param local        the source region.
     * @param localOffset  first source byte.
     * @param length       bytes.
     * @param remote       the peer's region named.
     * @param remoteOffset where in it.
     * @return the sequence number of the work request.
     */
    public long postWrite(
        final long wrId,
        final MemoryRegion local,
        final long localOffset,
        final int length,
        final RemoteRegion remote,
        final long remoteOffset)
    {
        final long seq = post(Opcode.WRITE, wrId, length, remote.key(), remoteOffset, remote.length());
        if (guard != null)
        {
            guard.posted(slot(seq), local.segment(), localOffset, length);
        }
        return seq;
    }

    /**
     * @param seq a sequence number.
     * @return its slot, for per-slot state kept by the provider.
     */
    public int slot(final long seq)
    {
        return (int)seq & mask;
    }

    /** @return the sequence number the next post gets. */
    public long posted()
    {
        return posted;
    }

    /** @return every work request below this sequence is done. */
    public long acknowledged()
    {
        return acknowledged;
    }

    /**
     * Marks work requests done up to, not including, {@code upTo}.
     *
     * @param upTo exclusive sequence bound.
     * @return false if {@code upTo} is beyond what was posted (a peer that lies).
     */
    public boolean acknowledge(final long upTo)
    {
        if (upTo > posted)
        {
            return false;
        }
        if (upTo > acknowledged)
        {
            acknowledged = upTo;
        }
        return true;
    }

    /**
     * Marks a write not yet acknowledged as refused by the peer.
     *
     * @param seq     its sequence number.
     * @param refusal {@link Completion#REFUSED_UNKNOWN_REGION} or {@link Completion#REFUSED_OUT_OF_BOUNDS}.
     * @return false if no such write is waiting (a peer that lies).
     */
    public boolean refuse(final long seq, final int refusal)
    {
        if (seq < acknowledged || seq >= posted || opcodes[slot(seq)] != Opcode.WRITE)
        {
            return false;
        }
        final int slot = slot(seq);
        statuses[slot] = Status.REMOTE_ACCESS_ERROR;
        refusals[slot] = refusal;
        return true;
    }

    /** Ends every work request not yet acknowledged with {@link Status#FLUSHED}. */
    public void flush()
    {
        for (long seq = acknowledged; seq < posted; seq++)
        {
            statuses[slot(seq)] = Status.FLUSHED;
        }
        acknowledged = posted;
    }

    /** @return true while done work requests wait to be handed over. */
    public boolean hasUnreported()
    {
        return reported < acknowledged;
    }

    /**
     * Hands done work requests over, in order.
     *
     * @param connection their connection.
     * @param completion the flyweight to fill.
     * @param handler    the caller's handler.
     * @param budget     most to hand over.
     * @return how many were handed over.
     */
    public int drain(final Connection connection, final Completion completion, final CompletionHandler handler, final int budget)
    {
        int count = 0;
        while (reported < acknowledged && count < budget)
        {
            final int slot = (int)reported & mask;
            final int status = guarded(slot);
            completion.set(connection, opcodes[slot], status, wrIds[slot], 0, lengths[slot]);
            if (status == Status.REMOTE_ACCESS_ERROR)
            {
                completion.refusedWrite(remoteKeys[slot], remoteOffsets[slot], regionLengths[slot], refusals[slot]);
            }
            else if (status == Status.SOURCE_CHANGED)
            {
                completion.reason(SOURCE_CHANGED_REASON);
            }
            reported++;
            count++;
            handler.onCompletion(completion);
        }
        return count;
    }

    /** @return the status of a done work request, SOURCE_CHANGED for a guarded write whose source changed. */
    private int guarded(final int slot)
    {
        final int status = statuses[slot];
        if (guard == null || opcodes[slot] != Opcode.WRITE || guard.unchanged(slot) || status != Status.SUCCESS)
        {
            return status;
        }
        LOG.log(System.Logger.Level.ERROR, "write of " + lengths[slot] + " bytes to region key 0x" + Integer.toHexString(remoteKeys[slot])
            + " at offset " + remoteOffsets[slot] + ": " + SOURCE_CHANGED_REASON);
        return Status.SOURCE_CHANGED;
    }
}
