package io.fusewire.gpu;

import java.lang.foreign.MemorySegment;

/**
 * Device memory from {@link GpuContext#allocate}: an address on the GPU, never dereferenced on the
 * host. Filled and read through copies. Freed by {@link #close()}.
 */
public final class DeviceBuffer implements AutoCloseable
{
    private final GpuContext context;
    private final long address;
    private final long byteSize;
    private volatile boolean closed;

    DeviceBuffer(final GpuContext context, final long address, final long byteSize)
    {
        this.context = context;
        this.address = address;
        this.byteSize = byteSize;
    }

    /** @return the context it belongs to. */
    public GpuContext context()
    {
        return context;
    }

    /** @return the device address. */
    public long address()
    {
        return address;
    }

    /** @return its length in bytes. */
    public long byteSize()
    {
        return byteSize;
    }

    /**
     * Copies host memory into the start of this buffer and waits until done.
     *
     * @param source native host memory, at most {@link #byteSize()} bytes.
     */
    public void copyFrom(final MemorySegment source)
    {
        requireFits(source);
        context.makeCurrent();
        Cu.copyToDevice(address, source.address(), source.byteSize());
    }

    /**
     * Copies the start of this buffer into host memory and waits until done.
     *
     * @param target native host memory, at most {@link #byteSize()} bytes.
     */
    public void copyTo(final MemorySegment target)
    {
        requireFits(target);
        context.makeCurrent();
        Cu.copyToHost(target.address(), address, target.byteSize());
    }

    private void requireFits(final MemorySegment host)
    {
        if (closed)
        {
            throw new IllegalStateException(this + " is closed");
        }
        if (!host.isNative() || host.byteSize() > byteSize)
        {
            throw new IllegalArgumentException("copies take native host memory of at most " + byteSize + " bytes; got " + host);
        }
    }

    /** Frees the memory. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            context.makeCurrent();
            Cu.free(address);
            context.released(this);
        }
    }

    @Override
    public String toString()
    {
        return "DeviceBuffer[GPU " + context.ordinal() + ", 0x" + Long.toHexString(address) + ", " + byteSize + " bytes]";
    }
}
