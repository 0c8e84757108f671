package io.fusewire.fusion.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One fusion buffer: a fixed-size pooled one, or a spill buffer borrowed from host memory under a
 * burst (freed, not pooled, once its tensors are released). Counts the tensors still holding it.
 */
final class FusionBuffer
{
    private final MemorySegment segment;
    private final Arena arena;
    private final Consumer<FusionBuffer> onFree;
    private final AtomicInteger holders = new AtomicInteger();

    FusionBuffer(final long bytes, final Consumer<FusionBuffer> onFree)
    {
        this.arena = Arena.ofShared();
        this.segment = arena.allocate(bytes, 4096);
        this.onFree = onFree;
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

    void free()
    {
        arena.close();
    }
}
