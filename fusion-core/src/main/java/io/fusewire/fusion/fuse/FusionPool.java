package io.fusewire.fusion.fuse;

import io.fusewire.fusion.Communicator;
import io.fusewire.gpu.GpuContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;

/**
 * The fusion buffers: a fixed pool in memory registered with the communicator (batches are written
 * from it in place), and spill buffers from host memory when a burst empties the pool or a tensor
 * is larger than a buffer. Buffers come back when the last tensor of their batch is released.
 */
final class FusionPool
{
    private final ManyToManyConcurrentArrayQueue<FusionBuffer> pool;
    private final long bufferBytes;
    private final AtomicLong spills = new AtomicLong();
    private final List<FusionBuffer> pooled = new ArrayList<>();
    /** The context the pooled buffers were pinned through, of its own so that closing the caller's leaves them pinned; null until then. */
    private GpuContext pinning;
    private boolean pinAttempted;
    private volatile boolean closed;

    FusionPool(final Communicator communicator, final FusionContext context)
    {
        bufferBytes = context.bufferBytes();
        pool = new ManyToManyConcurrentArrayQueue<>(Math.max(2, context.buffers()));
        for (int i = 0; i < context.buffers(); i++)
        {
            final FusionBuffer buffer = new FusionBuffer(communicator.allocate(bufferBytes), this::recycle);
            pooled.add(buffer);
            pool.offer(buffer);
        }
    }

    /**
     * Page-locks the pooled buffers, once, so that device tensors are copied into and out of them
     * at full speed (pinned memory serves every device of the host). Where the driver refuses, the
     * copies go through pageable memory, slower, and a warning says why.
     */
    synchronized void pin(final GpuContext gpu)
    {
        if (pinAttempted || closed)
        {
            return;
        }
        pinAttempted = true;
        try
        {
            pinning = GpuContext.open(gpu.ordinal());
            for (final FusionBuffer buffer : pooled)
            {
                pinning.pin(buffer.segment());
            }
        }
        catch (final RuntimeException ex)
        {
            System.getLogger("io.fusewire.fusion").log(System.Logger.Level.WARNING, "fusion buffers left pageable, so device tensors are"
                + " copied more slowly: " + ex.getMessage());
        }
    }

    /** @return a buffer of at least {@code bytes}: a pooled one if it fits and one is free, else a spill buffer. */
    FusionBuffer acquire(final long bytes)
    {
        final FusionBuffer pooled = bytes <= bufferBytes ? pool.poll() : null;
        if (pooled != null)
        {
            return pooled;
        }
        spills.incrementAndGet();
        return new FusionBuffer(Math.max(bytes, bufferBytes), this::recycle);
    }

    /** @return batches that borrowed a buffer from host memory. */
    long spills()
    {
        return spills.get();
    }

    /** Frees the free buffers; those still held are freed as they come back. */
    synchronized void close()
    {
        closed = true;
        if (pinning != null)
        {
            pinning.close(); // unpins every buffer, each even if another fails
        }
        FusionBuffer buffer;
        while ((buffer = pool.poll()) != null)
        {
            buffer.free();
        }
    }

    private void recycle(final FusionBuffer buffer)
    {
        if (closed || !buffer.isPooled() || !pool.offer(buffer))
        {
            buffer.free();
        }
    }
}
