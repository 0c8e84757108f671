package io.fusewire.fusion.fuse;

import io.fusewire.fusion.Communicator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * The fusion loop: takes submitted tensors, decides when and what to fire, and, when something
 * breaks, fails every tensor not yet delivered and refuses the rest with the reason. It runs under
 * a turn that any thread may take without waiting ({@link #drive()}): the fusion thread in its duty
 * cycle, a submitting thread right after its submission, the communicator's thread right after a
 * batch completes; so a tensor that can go at once goes on the thread that has it, crossing no
 * queue to another thread, and the fusion thread only picks up what nobody else did. How the
 * workers come to fuse the same tensors is the subclass's: {@link SettledScheduler} (the aggregator
 * settles each cut) or {@link AgreedScheduler} (the workers agree by collectives).
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
    /** Held by the one thread running the loop; whoever finds it taken leaves the work to the holder or the fusion thread. */
    private final AtomicBoolean turn = new AtomicBoolean();

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
        return drive();
    }

    /**
     * Runs the loop once if no other thread is running it; never waits.
     *
     * @return work done, 0 if the turn was taken.
     */
    final int drive()
    {
        if (!turn.compareAndSet(false, true))
        {
            return 0;
        }
        try
        {
            if (failure != null)
            {
                return submitted.drain(pending -> pending.future().completeExceptionally(new IllegalStateException(failure)));
            }
            return submitted.drain(this::add) + schedule(System.nanoTime());
        }
        finally
        {
            turn.set(false);
        }
    }

    @Override
    public final void onClose()
    {
        while (!turn.compareAndSet(false, true)) // held only for one pass of the loop, which never waits
        {
            Thread.onSpinWait();
        }
        try
        {
            failAll("tensor fusion was closed before the tensor's batch fired");
        }
        finally
        {
            turn.set(false);
        }
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
        carried.lazySet(carried.get() + tensors); // written only under the turn
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

    /** Fails every waiting tensor and every later submission with the reason. Under the turn only. */
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
