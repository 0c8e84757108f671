package io.fusewire.fusion.fuse;

import io.fusewire.fusion.Communicator;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Fusion for tensors that every worker submits in the same order, with no collective spent on
 * agreeing what a batch holds: each worker fires the tensors it has waiting, from the oldest on,
 * as one common-prefix AllReduce ({@link Communicator#allReduceCommonPrefix}); the aggregator, which
 * sees every contribution, reduces the tensors all workers sent (the same tensors at the same
 * offsets, since every batch starts at the same tensor) and the result's length says how many; the
 * rest wait for the next batch. One batch is in flight at a time, and while it is, arrivals
 * accumulate: with nothing in flight a tensor goes at once ({@link FusionContext#fireWhenIdle()}),
 * or when the fill threshold or the deadline says so. A batch holds one kind of tensor (the oldest
 * tensor's) and at most one chunk; a tensor larger than that goes alone, as a plain AllReduce. A
 * worker that never submits is named by the aggregator within its straggler bound.
 */
final class SettledScheduler extends Scheduler
{
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final Triggers triggers;
    private final long capacity;
    private final Pending[] candidates;
    private Batch batch;
    private CompletableFuture<MemorySegment> inFlight;

    SettledScheduler(final Communicator communicator, final FusionContext context, final FusionPool pool,
        final MpscUnboundedArrayQueue<Pending> submitted)
    {
        super(communicator, context, pool, submitted);
        capacity = Math.min(context.bufferBytes(), communicator.commonPrefixLimit());
        triggers = new Triggers(context, capacity);
        candidates = new Pending[(int)(capacity / TensorFusion.padded(1))];
    }

    @Override
    void add(final Pending pending)
    {
        waiting.add(pending);
        triggers.added(pending);
    }

    @Override
    List<Pending> drainWaiting()
    {
        final List<Pending> all = new ArrayList<>(waiting);
        waiting.clear();
        triggers.clear();
        batch = null;
        inFlight = null;
        return all;
    }

    @Override
    int schedule(final long nowNs)
    {
        int work = 0;
        if (inFlight != null)
        {
            if (!inFlight.isDone())
            {
                return 0;
            }
            work = settle(); // and what waited meanwhile may go at once, from this thread
        }
        if (!triggers.firesAny(waiting.peek(), nowNs, context.fireWhenIdle()))
        {
            return work;
        }
        fire();
        return work + 1;
    }

    /** Fires the oldest tensors of the oldest's kind that fit one batch, or the oldest alone if it fits none. */
    private void fire()
    {
        final Pending oldest = waiting.peek();
        int count = 0;
        long bytes = 0;
        for (final Iterator<Pending> it = waiting.iterator(); it.hasNext() && count < candidates.length; )
        {
            final Pending pending = it.next();
            if (pending.kind() != oldest.kind() || bytes + pending.padded() > capacity)
            {
                break;
            }
            candidates[count++] = pending;
            bytes += pending.padded();
        }
        final boolean alone = count == 0;
        if (alone)
        {
            candidates[count++] = oldest;
        }
        try
        {
            batch = Batch.fill(candidates, count, pool);
        }
        catch (final IllegalStateException ex)
        {
            failAll("a fused batch could not be read, so the workers no longer agree: " + ex.getMessage());
            return;
        }
        fired();
        final Batch fired = batch;
        inFlight = alone ? communicator.allReduce(fired.memory(), oldest.type(), oldest.op())
            : communicator.allReduceCommonPrefix(fired.memory(), oldest.type(), oldest.op());
        inFlight.whenComplete((result, error) ->
        {
            final int cut = error == null ? fired.tensorsIn(result.byteSize()) : -1;
            if (cut > 0)
            {
                fired.deliver(cut); // at once, on the thread that completed the collective
            }
        });
    }

    /** The batch in flight completed: its settled tensors leave the queue, the rest wait for the next batch. */
    private int settle()
    {
        final CompletableFuture<MemorySegment> done = inFlight;
        final Batch settled = batch;
        inFlight = null;
        batch = null;
        if (done.isCompletedExceptionally())
        {
            final Throwable error = done.exceptionNow();
            settled.fail(error);
            failAll("a fused batch failed: " + error.getMessage());
            return 1;
        }
        final int cut = settled.tensorsIn(done.resultNow().byteSize());
        if (cut <= 0)
        {
            settled.fail(new IllegalStateException("the workers' batches differ"));
            failAll("the aggregator settled a fused batch of " + done.resultNow().byteSize() + " bytes, which ends inside a tensor"
                + " of this worker's batch: every worker must submit the same tensors, of the same sizes, in the same order");
            return 1;
        }
        for (int i = 0; i < cut; i++)
        {
            triggers.removed(waiting.poll());
        }
        carried(settled.count() - cut);
        return 1;
    }
}
