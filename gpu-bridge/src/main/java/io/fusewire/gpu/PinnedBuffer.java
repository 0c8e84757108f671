package io.fusewire.gpu;

import java.lang.foreign.MemorySegment;

/**
 * Page-locked host memory: allocated by the driver ({@link GpuContext#allocatePinned}) or memory
 * the caller owns, locked in place ({@link GpuContext#pin}). Copies between it and a device run
 * at full speed and asynchronously. Closing frees the memory, or unlocks the caller's.
 */
public final class PinnedBuffer implements AutoCloseable
{
    private final GpuContext context;
    private final MemorySegment segment;
    private final Runnable release;
    private volatile boolean closed;

    PinnedBuffer(final GpuContext context, final MemorySegment segment, final Runnable release)
    {
        this.context = context;
        this.segment = segment;
        this.release = release;
    }

    /** @return the memory; not to be used after {@link #close()} where the driver allocated it. */
    public MemorySegment segment()
    {
        return segment;
    }

    /** Frees or unlocks the memory. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            context.makeCurrent();
            release.run();
            context.released(this);
        }
    }

    @Override
    public String toString()
    {
        return "PinnedBuffer[" + segment.byteSize() + " bytes at 0x" + Long.toHexString(segment.address()) + "]";
    }
}
