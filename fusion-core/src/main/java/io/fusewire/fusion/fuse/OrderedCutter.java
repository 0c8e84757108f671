package io.fusewire.fusion.fuse;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The cut for workers that submit the same tensors in the same order (one submitting thread, or a
 * deterministic order): one collective, a MIN over the kinds of how many waiting tensors each worker
 * could send now (as many as fit one buffer), so every worker sends the same prefix of each kind.
 */
final class OrderedCutter implements Cutter
{
    private static final ValueLayout.OfInt COUNT = ValueLayout.JAVA_INT;

    private final Communicator communicator;
    private final Triggers triggers;
    private final long bufferBytes;
    @SuppressWarnings("unchecked")
    private final ArrayDeque<Pending>[] waiting = new ArrayDeque[Pending.KINDS];
    private final MemorySegment proposal = Arena.ofAuto().allocate(4L * Pending.KINDS);
    private final List<Pending[]> batches = new ArrayList<>();
    private boolean proposed;

    OrderedCutter(final Communicator communicator, final FusionContext context)
    {
        this.communicator = communicator;
        this.triggers = new Triggers(context);
        this.bufferBytes = context.bufferBytes();
        for (int kind = 0; kind < Pending.KINDS; kind++)
        {
            waiting[kind] = new ArrayDeque<>();
        }
    }

    @Override
    public void add(final Pending pending)
    {
        waiting[pending.kind()].add(pending);
        triggers.added(pending);
    }

    @Override
    public boolean triggered(final long nowNs, final boolean idle)
    {
        for (int kind = 0; kind < Pending.KINDS; kind++)
        {
            if (triggers.fires(kind, waiting[kind].peek(), nowNs, idle))
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public CompletableFuture<MemorySegment> next()
    {
        if (!proposed)
        {
            proposed = true;
            for (int kind = 0; kind < Pending.KINDS; kind++)
            {
                proposal.setAtIndex(COUNT, kind, fitting(waiting[kind]));
            }
            return communicator.allReduce(proposal, DataType.INT32, ReduceOp.MIN);
        }
        proposed = false;
        batches.clear();
        for (int kind = 0; kind < Pending.KINDS; kind++)
        {
            final int count = proposal.getAtIndex(COUNT, kind);
            if (count > 0)
            {
                final Pending[] batch = new Pending[count];
                for (int i = 0; i < count; i++)
                {
                    batch[i] = waiting[kind].poll();
                    triggers.removed(batch[i]);
                }
                batches.add(batch);
            }
        }
        triggers.cut(batches.isEmpty());
        return null;
    }

    @Override
    public List<Pending[]> batches()
    {
        return batches;
    }

    @Override
    public List<Pending> drainAll()
    {
        final List<Pending> all = new ArrayList<>();
        for (final ArrayDeque<Pending> queue : waiting)
        {
            all.addAll(queue);
            queue.clear();
        }
        triggers.clear();
        return all;
    }

    /** @return how many of the oldest tensors fit one buffer; 1 if the oldest alone does not. */
    private int fitting(final ArrayDeque<Pending> queue)
    {
        int count = 0;
        long bytes = 0;
        for (final Pending pending : queue)
        {
            if (count > 0 && bytes + pending.padded() > bufferBytes)
            {
                break;
            }
            bytes += pending.padded();
            count++;
            if (bytes >= bufferBytes)
            {
                break;
            }
        }
        return count;
    }
}
