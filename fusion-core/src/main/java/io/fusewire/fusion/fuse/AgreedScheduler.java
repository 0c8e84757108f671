package io.fusewire.fusion.fuse;

import io.fusewire.fusion.Communicator;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Fusion for tensors matched by name, which the workers submit in different orders: before each
 * cut the workers agree, by the collectives of a {@link NamedCutter}, which waiting tensors fuse,
 * then fire the agreed batches, several in flight. As TCP's Nagle does, it cuts at once when no
 * batch has been in flight for a deadline, else by the fill threshold or the deadline.
 */
final class AgreedScheduler extends Scheduler
{
    private final NamedCutter cutter;
    /** Batches handed to the communicator and not yet complete. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** When the last batch in flight completed ({@link System#nanoTime()}); at first, long ago. */
    private volatile long idleSinceNs = System.nanoTime() - (1L << 62);
    /** How long the pipe must have been idle before a tensor goes at once: a deadline. */
    private final long idleGraceNs;
    private CompletableFuture<MemorySegment> agreement;
    private long agreementStartNs;

    AgreedScheduler(final Communicator communicator, final FusionContext context, final FusionPool pool,
        final MpscUnboundedArrayQueue<Pending> submitted)
    {
        super(communicator, context, pool, submitted);
        this.cutter = new NamedCutter(communicator, context);
        this.idleGraceNs = TimeUnit.MICROSECONDS.toNanos(context.deadlineMicros());
    }

    @Override
    void add(final Pending pending)
    {
        cutter.add(pending);
    }

    @Override
    List<Pending> drainWaiting()
    {
        agreement = null;
        return cutter.drainAll();
    }

    @Override
    int schedule(final long nowNs)
    {
        if (agreement == null)
        {
            if (cutter.triggered(nowNs, isIdle(nowNs)))
            {
                agreementStartNs = nowNs;
                agreement = cutter.next();
                return 1;
            }
            return 0;
        }
        if (agreement.isDone())
        {
            if (agreement.isCompletedExceptionally())
            {
                failAll("the workers could not agree on a fused batch: " + agreement.exceptionNow().getMessage());
                return 1;
            }
            agreement = cutter.next();
            if (agreement == null)
            {
                cutter.batches().forEach(this::fire);
            }
            return 1;
        }
        if (nowNs - agreementStartNs > TimeUnit.MILLISECONDS.toNanos(context.agreementTimeoutMs()))
        {
            failAll("the workers did not agree on a fused batch within " + context.agreementTimeoutMs() + " ms: does every"
                + " worker submit the same tensors?");
        }
        return 0;
    }

    private void fire(final Pending[] tensors)
    {
        if (failure() != null) // an earlier batch of the same cut broke
        {
            for (final Pending pending : tensors)
            {
                pending.future().completeExceptionally(new IllegalStateException(failure()));
            }
            return;
        }
        final Batch batch;
        try
        {
            batch = Batch.fill(tensors, tensors.length, pool);
        }
        catch (final IllegalStateException ex)
        {
            for (final Pending pending : tensors)
            {
                pending.future().completeExceptionally(ex);
            }
            failAll("a fused batch was abandoned half-way, so the workers no longer agree: " + ex.getMessage());
            return;
        }
        fired();
        inFlight.incrementAndGet();
        communicator.allReduce(batch.memory(), tensors[0].type(), tensors[0].op()).whenComplete((result, error) ->
        {
            if (inFlight.decrementAndGet() == 0)
            {
                idleSinceNs = System.nanoTime();
            }
            if (error != null)
            {
                batch.fail(error);
            }
            else
            {
                batch.deliver(batch.count());
            }
        });
    }

    /**
     * @return true when fusion may fire without waiting: no batch in flight, and none for a deadline
     *         (so a steady stream, whose next tensors arrive right after a batch completes, still batches).
     */
    private boolean isIdle(final long nowNs)
    {
        return context.fireWhenIdle() && inFlight.get() == 0 && nowNs - idleSinceNs >= idleGraceNs;
    }
}
