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
 * cycle, and a submitting thread right after its submission, so that a tensor that may go at once
 * (nothing in flight) goes on the thread that has it instead of waiting for the fusion thread to
 * wake. A batch's completion is left to the fusion thread, which stays awake (spinning, then
 * yielding) while a batch is in flight. Measured and not kept: settling and firing the next batch
 * on the communicator's thread that completed the last, with the fusion thread parking at once
 * (its p99 was lower at 400 and 1600 q/s, but its fused/sync median ratio 0-37% higher at 1300 q/s
 * and the closed-loop capacity of 1 KiB queries lower; again on the corrected harness, 4 KiB at
 * 1000 / 4000 q/s, 2 runs each: p50 200 / 217 us against 196 / 184, and 235 / 278 with the
 * completing thread driving but the fusion thread not parking). How the workers come to fuse the
 * same tensors is the subclass's: {@link SettledScheduler} (the aggregator settles each cut) or {@link AgreedScheduler} (the workers
 * agree by collectives).
 */
abstract class Scheduler implements Agent
{
    /** Passes one drive makes at most while tensors keep coming; what comes after is the fusion thread's. */
    private static final int MAX_PASSES = 4;

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
     * Runs the loop if no other thread is running it; never waits. A thread that finds the turn
     * taken has already queued its tensor, and the holder looks at the queue again after giving the
     * turn back, so the tensor is not left for the fusion thread's next wake-up (one of the two
     * sees it: a submitter queues, then tries the turn; the holder gives the turn back, then looks).
     *
     * @return work done, 0 if the turn was taken.
     */
    final int drive()
    {
        int work = 0;
        int passes = 0;
        do
        {
            if (!turn.compareAndSet(false, true))
            {
                return work;
            }
            try
            {
                work += failure != null
                    ? submitted.drain(pending -> pending.future().completeExceptionally(new IllegalStateException(failure)))
                    : submitted.drain(this::add) + schedule(System.nanoTime());
            }
            finally
            {
                turn.setRelease(false);
            }
        }
        while (!submitted.isEmpty() && ++passes < MAX_PASSES);
        return work;
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
            turn.setRelease(false);
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
