package io.fusewire.gpu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One device's primary context, retained for as long as this is open: what device buffers,
 * pinned host buffers and copy streams are made from. Every method makes the context current on
 * the calling thread first, so any thread may use it. Closing it closes what it made that is
 * still open, then releases the context; memory is freed here, never by the garbage collector.
 */
public final class GpuContext implements AutoCloseable
{
    private final int ordinal;
    private final int device;
    private final long context;
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private GpuContext(final int ordinal, final int device, final long context)
    {
        this.ordinal = ordinal;
        this.device = device;
        this.context = context;
    }

    /**
     * @param ordinal the device, as {@link Cuda#devices()} numbers them.
     * @return its context.
     * @throws IllegalStateException    where CUDA is unavailable, saying why.
     * @throws IllegalArgumentException for an ordinal the driver does not have.
     */
    public static GpuContext open(final int ordinal)
    {
        Cuda.requireAvailable();
        final int count = Cu.deviceCount();
        if (ordinal < 0 || ordinal >= count)
        {
            throw new IllegalArgumentException("no GPU " + ordinal + ": the driver sees " + count + " (ordinals 0.." + (count - 1) + ")");
        }
        final int device = Cu.device(ordinal);
        return new GpuContext(ordinal, device, Cu.retainPrimaryContext(device));
    }

    /** @return the device's ordinal. */
    public int ordinal()
    {
        return ordinal;
    }

    /** Makes this context current on the calling thread, as the driver's calls need; cheap. */
    public void makeCurrent()
    {
        if (closed)
        {
            throw new IllegalStateException("GPU " + ordinal + "'s context is closed");
        }
        Cu.setCurrent(context);
    }

    /**
     * @param bytes at least 1.
     * @return new device memory, not initialised.
     * @throws CudaException where the device has not that much free (CUDA_ERROR_OUT_OF_MEMORY).
     */
    public DeviceBuffer allocate(final long bytes)
    {
        requirePositive(bytes);
        makeCurrent();
        return track(new DeviceBuffer(this, Cu.allocate(bytes), bytes));
    }

    /**
     * @param bytes at least 1.
     * @return new page-locked host memory, zero-filled, that copies to and from any device reach at full speed.
     */
    public PinnedBuffer allocatePinned(final long bytes)
    {
        requirePositive(bytes);
        makeCurrent();
        final long address = Cu.allocateHost(bytes);
        final MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(bytes).fill((byte)0);
        return track(new PinnedBuffer(this, segment, () -> Cu.freeHost(address)));
    }

    /**
     * Page-locks memory the caller allocated and keeps owning, such as a region Fusewire registered
     * with its transport, so that copies to and from the device reach it at full speed.
     * Closing the returned buffer unlocks the memory and leaves it alone.
     *
     * @param memory native memory.
     * @return the pinned view.
     */
    public PinnedBuffer pin(final MemorySegment memory)
    {
        if (!memory.isNative() || memory.byteSize() == 0)
        {
            throw new IllegalArgumentException("only native memory of at least one byte can be pinned; got " + memory);
        }
        makeCurrent();
        Cu.registerHost(memory.address(), memory.byteSize());
        return track(new PinnedBuffer(this, memory, () -> Cu.unregisterHost(memory.address())));
    }

    /** @return a new stream for asynchronous copies, which does not wait for other streams. */
    public CopyStream openStream()
    {
        makeCurrent();
        return track(new CopyStream(this, Cu.createStream()));
    }

    /** @return {free, total} bytes of the device's memory, as the driver counts them. */
    public long[] memoryInfo()
    {
        makeCurrent();
        return Cu.memoryInfo();
    }

    /** @return buffers and streams made here and not closed yet. */
    public int openResources()
    {
        return open.size();
    }

    /** Counts a resource as open until it calls {@link #released}. */
    <T extends AutoCloseable> T track(final T resource)
    {
        open.add(resource);
        return resource;
    }

    /** Called by a resource when it closes. */
    void released(final AutoCloseable resource)
    {
        open.remove(resource);
    }

    private static void requirePositive(final long bytes)
    {
        if (bytes < 1)
        {
            throw new IllegalArgumentException("allocate at least one byte; got " + bytes);
        }
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        for (final AutoCloseable resource : List.copyOf(open))
        {
            try
            {
                resource.close();
            }
            catch (final Exception ex)
            {
                System.getLogger("io.fusewire.gpu").log(System.Logger.Level.WARNING, "closing " + resource + " failed", ex);
            }
        }
        closed = true;
        Cu.releasePrimaryContext(device);
    }

    @Override
    public String toString()
    {
        return "GpuContext[GPU " + ordinal + "]";
    }
}
