package io.fusewire.fusion.worker;

import io.fusewire.fusion.protocol.ChunkImmediate;
import io.fusewire.transport.MemoryRegion;
import java.lang.foreign.MemorySegment;

/**
 * What a worker resends after an aggregator failed: for each position in the failed aggregator's
 * stream of chunks from the first one some worker lacks, either the result this worker already
 * had (sent as {@link ChunkImmediate#FINAL}) or its own contribution, copied when the aggregator
 * was lost into a staging area of the failover's own (the failed aggregator's mapped memory goes
 * with its connection, and the slots' memory is reused at once).
 * A worker holds at most a window of results beyond the least position and a window of
 * contributions beyond its own, so two windows of chunks always suffice.
 */
final class Replay
{
    private final MemoryRegion staging;
    private final int chunkBytes;
    private final long[] position;
    private final int[] length;
    private final int[] immediate;
    private final long[] chunk;
    private final long[] sequence;
    /** Where in the staging area item i's bytes are: the order it was staged in. */
    private final int[] slotOf;
    private int count;
    private int next;
    private long lastSequence = -1;

    /**
     * @param staging    registered memory holding {@code capacity} chunks, this failover's own.
     * @param capacity   most items: two windows.
     * @param chunkBytes the job's chunk.
     */
    Replay(final MemoryRegion staging, final int capacity, final int chunkBytes)
    {
        this.staging = staging;
        this.chunkBytes = chunkBytes;
        position = new long[capacity];
        length = new int[capacity];
        immediate = new int[capacity];
        chunk = new long[capacity];
        sequence = new long[capacity];
        slotOf = new int[capacity];
    }

    /**
     * Stages one item; kept in position order.
     *
     * @param at       its position in the failed aggregator's stream.
     * @param from     where its bytes are now.
     * @param bytes    how many.
     * @param written  the immediate it was written (or answered) with; {@link ChunkImmediate#FINAL} for a result.
     * @param ofChunk  the chunk of the current collective it is, or -1 for a result.
     * @param ofSequence the collective it belongs to.
     * @return false if full (a broken invariant: the caller fails the job).
     */
    boolean stage(final long at, final MemorySegment from, final long fromOffset, final int bytes, final int written,
        final long ofChunk, final long ofSequence)
    {
        if (count == position.length)
        {
            return false;
        }
        final int slot = count;
        MemorySegment.copy(from, fromOffset, staging.segment(), (long)slot * chunkBytes, bytes);
        int i = count++;
        while (i > 0 && position[i - 1] > at)
        {
            move(i - 1, i);
            i--;
        }
        position[i] = at;
        length[i] = bytes;
        immediate[i] = written;
        chunk[i] = ofChunk;
        sequence[i] = ofSequence;
        slotOf[i] = slot;
        return true;
    }

    private void move(final int from, final int to)
    {
        position[to] = position[from];
        length[to] = length[from];
        immediate[to] = immediate[from];
        chunk[to] = chunk[from];
        sequence[to] = sequence[from];
        slotOf[to] = slotOf[from];
    }

    /**
     * Keeps the items from {@code from} on, which must follow each other without a gap up to {@code streamEnd}.
     *
     * @return null, or what this worker is missing to resume there.
     */
    String resumeAt(final long from, final long streamEnd)
    {
        next = 0;
        while (next < count && position[next] < from)
        {
            next++;
        }
        for (int i = next; i < count; i++)
        {
            if (position[i] != from + (i - next))
            {
                return "position " + (from + (i - next)) + " of the failed aggregator's stream is neither held nor staged here";
            }
        }
        if (from + (count - next) < streamEnd)
        {
            return "positions " + (from + (count - next)) + ".." + (streamEnd - 1) + " of the failed aggregator's stream are"
                + " neither held nor staged here";
        }
        return null;
    }

    /** @return how many of the items still to send are results this worker had (the rest are its contributions). */
    int finalsLeft()
    {
        int finals = 0;
        for (int i = next; i < count; i++)
        {
            finals += ChunkImmediate.isFinal(immediate[i]) ? 1 : 0;
        }
        return finals;
    }

    boolean hasNext()
    {
        return next < count;
    }

    /** @return whether some item still to send belongs to collective {@code ofSequence}. */
    boolean includes(final long ofSequence)
    {
        for (int i = next; i < count; i++)
        {
            if (sequence[i] == ofSequence)
            {
                return true;
            }
        }
        return false;
    }

    long sequence()
    {
        return sequence[next];
    }

    /** @return the collective of the last item sent, or -1. */
    long lastSequence()
    {
        return lastSequence;
    }

    int length()
    {
        return length[next];
    }

    int immediate()
    {
        return immediate[next];
    }

    long chunk()
    {
        return chunk[next];
    }

    boolean isFinal()
    {
        return ChunkImmediate.isFinal(immediate[next]);
    }

    MemoryRegion staging()
    {
        return staging;
    }

    long offset()
    {
        return (long)slotOf[next] * chunkBytes;
    }

    void advance()
    {
        lastSequence = sequence[next];
        next++;
    }
}
