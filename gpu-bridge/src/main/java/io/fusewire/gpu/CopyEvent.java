package io.fusewire.gpu;

/** A marker recorded on a {@link CopyStream}: done once the copies queued before it are. */
public final class CopyEvent implements AutoCloseable
{
    /** What {@link #query()} returns while the copies before the event still run. */
    public static final int PENDING = Cu.NOT_READY;

    private final GpuContext context;
    private final long event;
    private boolean closed;

    CopyEvent(final GpuContext context, final long event)
    {
        this.context = context;
        this.event = event;
    }

    long handle()
    {
        return event;
    }

    /** @return 0 once done, {@link #PENDING} before, or the CUresult of a failed copy. Allocates nothing. */
    public int query()
    {
        return Cu.query(event);
    }

    /** Destroys the event. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            context.makeCurrent();
            Cu.destroyEvent(event);
            context.released(this);
        }
    }
}
