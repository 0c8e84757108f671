package io.fusewire.perf.fusion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The tensors a worker's queries are built in: a ring of buffers allocated once, as a serving
 * process keeps its tensors, and reused once their query is answered. A fresh segment per query (as
 * this harness did before) made every query pay an off-heap allocation, its zeroing and page faults,
 * and left the memory to the collector: a cost of the harness in both modes, not of the collective.
 * A query whose ring buffer is still in use (more queries outstanding than the ring holds) gets a
 * fresh segment. Taken by one thread (the arrivals), given back from any.
 */
final class QueryTensors implements AutoCloseable
{
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] buffers;
    private final AtomicIntegerArray busy;
    private final long bufferBytes;
    private int next;

    /**
     * @param count       buffers in the ring.
     * @param bufferBytes the largest tensor.
     */
    QueryTensors(final int count, final long bufferBytes)
    {
        this.bufferBytes = bufferBytes;
        buffers = new MemorySegment[count];
        busy = new AtomicIntegerArray(count);
        for (int i = 0; i < count; i++)
        {
            buffers[i] = arena.allocate(bufferBytes, 64);
        }
    }

    /** @return the ring buffer to use for the next query, or -1 when it is still in use (then {@link #fresh(long)}). */
    int take(final long bytes)
    {
        final int index = next;
        if (bytes > bufferBytes || busy.get(index) != 0)
        {
            return -1;
        }
        next = (index + 1) % buffers.length;
        busy.set(index, 1);
        return index;
    }

    /** @return the first {@code bytes} of ring buffer {@code index}, zeroed. */
    MemorySegment buffer(final int index, final long bytes)
    {
        return buffers[index].asSlice(0, bytes).fill((byte)0);
    }

    /** @return a segment of its own for a query the ring had no free buffer for; the collector frees it. */
    MemorySegment fresh(final long bytes)
    {
        return Arena.ofAuto().allocate(bytes);
    }

    /** Ring buffer {@code index} may be used again; -1 (a fresh segment) is ignored. */
    void give(final int index)
    {
        if (index >= 0)
        {
            busy.lazySet(index, 0);
        }
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
