package io.fusewire.fusion.fuse;

import io.fusewire.fusion.Communicator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * The fusion thread's loop: takes submitted tensors, decides when and what to fire, and, when
 * something breaks, fails every tensor not yet delivered and refuses the rest with the reason.
 * How the workers come to fuse the same tensors is the subclass's: {@link SettledScheduler}
 * (the aggregator settles each cut) or {@link AgreedScheduler} (the workers agree by collectives).
 */
abstract class Scheduler implements Agent
{
    final Communicator communicator;
    final FusionContext context;
    final FusionPool pool;
    private final MpscUnboundedArrayQueue<Pending> submitted;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong carried = new AtomicLong();
    private volatile String failure;

    Scheduler(final Communicator communicator, final FusionContext context, final FusionPool pool,
        final MpscUnboundedArrayQueue<Pending> submitted)
    {
        this.communicator = communicator;
        this.context = context;
        this.pool = pool;
        this.submitted = submitted;
    }

    @Override
    public final String roleName()
    {
        return "fusewire-fusion";
    }

    @Override
    public final int doWork()
    {
        if (failure != null)
        {
            return submitted.drain(pending -> pending.future().completeExceptionally(new IllegalStateException(failure)));
        }
        return submitted.drain(this::add) + schedule(System.nanoTime());
    }

    @Override
    public final void onClose()
    {
        failAll("tensor fusion was closed before the tensor's batch fired");
    }

    /** @return fused collectives fired so far (readable from any thread). */
    final long batches()
    {
        return batches.get();
    }

    /** @return tensors that went in a batch before every worker had them, and so again in a later one. */
    final long carried()
    {
        return carried.get();
    }

    /** Tensors of a batch were left for the next: not every worker had them yet. */
    final void carried(final int tensors)
    {
        carried.lazySet(carried.get() + tensors); // the fusion thread is the only writer
    }

    /** @return why fusion stopped, or null. */
    final String failure()
    {
        return failure;
    }

    /** A tensor was submitted. */
    abstract void add(Pending pending);

    /** @return work done: tensors fired or delivered, collectives issued. */
    abstract int schedule(long nowNs);

    /** @return every tensor waiting and not yet delivered, removed. */
    abstract List<Pending> drainWaiting();

    /** A batch was handed to the communicator. */
    final void fired()
    {
        batches.incrementAndGet();
    }

    /** Fails every waiting tensor and every later submission with the reason. Fusion thread only. */
    final void failAll(final String reason)
    {
        if (failure == null)
        {
            failure = reason;
        }
        final IllegalStateException error = new IllegalStateException(reason);
        drainWaiting().forEach(pending -> pending.future().completeExceptionally(error));
        submitted.drain(pending -> pending.future().completeExceptionally(error));
    }
}
