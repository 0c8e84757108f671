package io.fusewire.fusion.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One fusion buffer: a pooled one, in memory registered with the transport (its chunks are written
 * in place, no copy into a send window; the communicator frees it when it closes), or a spill
 * buffer borrowed from host memory under a burst (freed, not pooled, once its tensors are
 * released). Counts the tensors still holding it.
 */
final class FusionBuffer
{
    private final MemorySegment segment;
    private final Arena arena;
    private final Consumer<FusionBuffer> onFree;
    private final AtomicInteger holders = new AtomicInteger();

    /** A pooled buffer over registered memory, which the communicator owns. */
    FusionBuffer(final MemorySegment registered, final Consumer<FusionBuffer> onFree)
    {
        this.arena = null;
        this.segment = registered;
        this.onFree = onFree;
    }

    /** A spill buffer of its own. */
    FusionBuffer(final long bytes, final Consumer<FusionBuffer> onFree)
    {
        this.arena = Arena.ofShared();
        this.segment = arena.allocate(bytes, 4096);
        this.onFree = onFree;
    }

    /** @return true for a pooled buffer (registered memory), false for a spill buffer. */
    boolean isPooled()
    {
        return arena == null;
    }

    MemorySegment segment()
    {
        return segment;
    }

    /** The batch's tensors now hold it. */
    void hold(final int tensors)
    {
        holders.set(tensors);
    }

    void release()
    {
        if (holders.decrementAndGet() == 0)
        {
            onFree.accept(this);
        }
    }

    /** Frees a spill buffer; a pooled one stays with the communicator until it closes. */
    void free()
    {
        if (arena != null)
        {
            arena.close();
        }
    }
}
