package io.fusewire.fusion.fuse;

import java.lang.foreign.MemorySegment;

/**
 * The result of one tensor of a fused batch: a read-only view into the batch's buffer, no copy.
 * Close it when done, so the buffer can take another batch; the view must not be used after.
 */
public final class FusedTensor implements AutoCloseable
{
    private final MemorySegment view;
    private final FusionBuffer buffer;
    private boolean closed;

    FusedTensor(final MemorySegment view, final FusionBuffer buffer)
    {
        this.view = view;
        this.buffer = buffer;
    }

    /** @return the reduced tensor, read-only, as long as the tensor submitted. */
    public MemorySegment segment()
    {
        return view;
    }

    /** Releases this tensor's share of the buffer. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            buffer.release();
        }
    }
}
