package io.fusewire.perf.fusion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * The tensors a worker's queries are built in, kept as a serving process keeps its tensors: a pool
 * per tensor size, grown by a buffer when every buffer of that size is in use and never shrunk, so a
 * query allocates only while the number outstanding reaches a new high. Per-query allocation was a
 * cost of the harness in both modes, not of the collective: a fresh off-heap segment is zeroed and
 * page-faulted in, and left to the collector. Allocating at a backlog turned it into a collapse:
 * with a fixed ring and fresh segments beyond it, every arrival past the ring allocated (77-82% of a
 * sync worker's samples in the zeroing of new native memory, JFR, 4/16/64 KiB at 5500 q/s), which
 * slowed the worker and deepened the backlog: sync served 2251 and 2421 q/s of 5500 in two of three
 * runs. Growing without {@link #reserve} still collapsed in two of four (2498, 2914); reserving a
 * second of arrivals before the clock starts, none in five (5163-5452). Taken by one thread (the
 * arrivals), which alone allocates; given back from any.
 */
final class QueryTensors implements AutoCloseable
{
    /** Buffers of one size are handed out this many bytes apart, so neighbours do not share a cache line. */
    private static final long ALIGNMENT = 64;

    private final Arena arena = Arena.ofShared();
    private final Map<Long, MpscUnboundedArrayQueue<MemorySegment>> free = new ConcurrentHashMap<>();
    private long allocated;

    /** @return a zeroed tensor of {@code bytes}: a buffer given back earlier, or a new one if all of that size are in use. */
    MemorySegment take(final long bytes)
    {
        final MemorySegment reused = free(bytes).poll();
        if (reused != null)
        {
            return reused.fill((byte)0);
        }
        allocated++;
        return arena.allocate(bytes, ALIGNMENT);
    }

    /** Allocates {@code bytes} tensors (zeroed, so their pages are in) until at least {@code count} of that size are free. */
    void reserve(final long bytes, final int count)
    {
        final MpscUnboundedArrayQueue<MemorySegment> queue = free(bytes);
        for (long have = queue.size(); have < count; have++)
        {
            allocated++;
            queue.offer(arena.allocate(bytes, ALIGNMENT));
        }
    }

    /** The query of {@code tensor} (from {@link #take}) is answered: its buffer may be used again. */
    void give(final MemorySegment tensor)
    {
        free.get(tensor.byteSize()).offer(tensor);
    }

    private MpscUnboundedArrayQueue<MemorySegment> free(final long bytes)
    {
        return free.computeIfAbsent(bytes, size -> new MpscUnboundedArrayQueue<>(256));
    }

    /** @return buffers allocated so far, of every size (read on the taking thread). */
    long allocated()
    {
        return allocated;
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
