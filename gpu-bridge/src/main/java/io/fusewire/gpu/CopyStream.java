package io.fusewire.gpu;

/**
 * A CUDA stream for asynchronous copies between pinned host memory and device memory: copies on
 * one stream run in the order queued, copies on two streams may run at once (one per copy
 * engine); every copy waits for work queued before it on the legacy default stream (synchronous
 * copies, kernels launched without a stream), so it reads what they wrote. The queueing calls
 * return the driver's code and allocate nothing; they take raw addresses, unchecked, which must
 * lie inside buffers of this stream's device, and they run in whatever context is current on the
 * calling thread: call {@link GpuContext#makeCurrent()} on that thread first.
 */
public final class CopyStream implements AutoCloseable
{
    private final GpuContext context;
    private final long stream;
    private boolean closed;

    CopyStream(final GpuContext context, final long stream)
    {
        this.context = context;
        this.stream = stream;
    }

    /**
     * @return 0, or the CUresult that refused the copy.
     */
    public int toHost(final long hostAddress, final long deviceAddress, final long bytes)
    {
        return Cu.copyToHostAsync(hostAddress, deviceAddress, bytes, stream);
    }

    /**
     * @return 0, or the CUresult that refused the copy.
     */
    public int toDevice(final long deviceAddress, final long hostAddress, final long bytes)
    {
        return Cu.copyToDeviceAsync(deviceAddress, hostAddress, bytes, stream);
    }

    /**
     * @param event completes once everything queued on this stream so far is done.
     * @return 0, or the CUresult that refused it.
     */
    public int record(final CopyEvent event)
    {
        return Cu.record(event.handle(), stream);
    }

    /** @return a new event, to {@link #record} on this stream. */
    public CopyEvent newEvent()
    {
        context.makeCurrent();
        return context.track(new CopyEvent(context, Cu.createEvent()));
    }

    /** Waits until every copy queued on this stream is done. */
    public void synchronize()
    {
        context.makeCurrent();
        Cu.synchronize(stream);
    }

    /** Waits for the stream's copies, then destroys it. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            context.makeCurrent();
            try
            {
                Cu.synchronize(stream);
            }
            finally
            {
                Cu.destroyStream(stream);
                context.released(this);
            }
        }
    }
}
