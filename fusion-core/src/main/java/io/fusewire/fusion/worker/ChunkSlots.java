package io.fusewire.fusion.worker;

import io.fusewire.transport.MemoryRegion;
import java.util.Arrays;

/**
 * A worker's view of every aggregator's slots, indexed aggregator x window + slot: the chunk in
 * flight in each (what it is, where it was written from, whether its write completed and its
 * result came back), and the last result each slot gave, which a failover may resend. Touched only
 * by the thread that progresses the worker.
 */
final class ChunkSlots
{
    /** The chunk of the current collective in flight, or -1 for a result resent after a failover. */
    final long[] chunk;
    /** Bytes written; once answered, the result's bytes. */
    final int[] length;
    /** The immediate the result must carry (the chunk's, without {@link io.fusewire.fusion.protocol.ChunkImmediate#FINAL}). */
    final int[] immediate;
    final boolean[] written;
    final boolean[] answered;
    /** A chunk written and not yet released, with its position in the aggregator's stream and its collective. */
    final boolean[] busy;
    final long[] stream;
    final long[] sequence;
    /** Where the chunk in flight was written from (a tensor, the send window, a failover's staging), unchanged until released. */
    final MemoryRegion[] from;
    final long[] fromOffset;
    /** The last result that came back: its position (or -1), immediate, length and collective. */
    final long[] heldStream;
    final int[] heldImmediate;
    final int[] heldLength;
    final long[] heldSequence;

    ChunkSlots(final int slots)
    {
        chunk = new long[slots];
        length = new int[slots];
        immediate = new int[slots];
        written = new boolean[slots];
        answered = new boolean[slots];
        busy = new boolean[slots];
        stream = new long[slots];
        sequence = new long[slots];
        from = new MemoryRegion[slots];
        fromOffset = new long[slots];
        heldStream = new long[slots];
        Arrays.fill(heldStream, -1);
        heldImmediate = new int[slots];
        heldLength = new int[slots];
        heldSequence = new long[slots];
    }

    /** A chunk was written into slot {@code at}. */
    void posted(final int at, final long ofChunk, final int bytes, final int resultImmediate, final long position, final long ofSequence,
        final MemoryRegion source, final long sourceOffset)
    {
        chunk[at] = ofChunk;
        length[at] = bytes;
        immediate[at] = resultImmediate;
        written[at] = false;
        answered[at] = false;
        busy[at] = true;
        stream[at] = position;
        sequence[at] = ofSequence;
        from[at] = source;
        fromOffset[at] = sourceOffset;
    }

    /** Slot {@code at}'s result came back, {@code bytes} long: it is held until the slot's next result. */
    void answered(final int at, final int bytes, final int resultImmediate)
    {
        length[at] = bytes;
        answered[at] = true;
        heldStream[at] = stream[at];
        heldImmediate[at] = resultImmediate;
        heldLength[at] = bytes;
        heldSequence[at] = sequence[at];
    }

    /** Slot {@code at} is free for its next chunk. */
    void released(final int at)
    {
        busy[at] = false;
        from[at] = null;
    }

    /** Slot {@code at} is given up in a failover: nothing in flight, nothing held. */
    void forgotten(final int at)
    {
        released(at);
        heldStream[at] = -1;
    }
}
