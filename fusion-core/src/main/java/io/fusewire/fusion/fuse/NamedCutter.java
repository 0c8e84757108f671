package io.fusewire.fusion.fuse;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The cut for workers whose tensors arrive in different orders (many submitting threads): tensors
 * are matched by name, as Horovod does. Two collectives: rank 0 broadcasts its oldest waiting
 * tensors' names (a SUM to which the others add zeros), then every worker flags which of them it
 * has waiting (a MIN). The flagged ones fuse, in rank 0's order, so every worker cuts the same
 * batches. Touched only under the scheduler's turn: {@link #next()} issues the agreement's next collective, and
 * returns null once the cut is decided, when {@link #batches()} holds it.
 *
 * <pre>
 *   candidates, int32:  count | name low, name high, kind | ... (at most 256)
 *   flags, int32:       1 if this worker has candidate j waiting, else 0
 * </pre>
 */
final class NamedCutter
{
    private static final int MAX = 256;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final Communicator communicator;
    private final Triggers triggers;
    private final long bufferBytes;
    private final LinkedHashMap<Long, Pending> waiting = new LinkedHashMap<>();
    private final MemorySegment candidates = Arena.ofAuto().allocate(4L * (1 + 3 * MAX));
    private final MemorySegment flags = Arena.ofAuto().allocate(4L * MAX);
    private final List<Pending[]> batches = new ArrayList<>();
    private int phase;

    NamedCutter(final Communicator communicator, final FusionContext context)
    {
        this.communicator = communicator;
        this.triggers = new Triggers(context, context.bufferBytes());
        this.bufferBytes = context.bufferBytes();
    }

    /**
     * @param name a tensor's name.
     * @return its 64-bit hash (FNV-1a of the UTF-8 bytes), never 0.
     */
    static long hash(final String name)
    {
        long hash = 0xcbf29ce484222325L;
        for (final byte b : name.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        {
            hash = (hash ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return hash == 0 ? 1 : hash;
    }

    void add(final Pending pending)
    {
        if (waiting.putIfAbsent(pending.name(), pending) != null)
        {
            pending.future().completeExceptionally(new IllegalArgumentException(
                "a tensor of the same name is already waiting to be fused: names must be unique until their results arrive"));
            return;
        }
        triggers.added(pending);
    }

    boolean triggered(final long nowNs, final boolean idle)
    {
        return triggers.firesAny(waiting.isEmpty() ? null : waiting.firstEntry().getValue(), nowNs, idle);
    }

    CompletableFuture<MemorySegment> next()
    {
        switch (phase)
        {
            case 0 ->
            {
                phase = 1;
                candidates.fill((byte)0);
                if (communicator.rank() == 0)
                {
                    int count = 0;
                    for (final Iterator<Pending> it = waiting.values().iterator(); it.hasNext() && count < MAX; count++)
                    {
                        final Pending pending = it.next();
                        candidates.setAtIndex(INT, 1 + 3L * count, (int)pending.name());
                        candidates.setAtIndex(INT, 2 + 3L * count, (int)(pending.name() >>> 32));
                        candidates.setAtIndex(INT, 3 + 3L * count, pending.kind());
                    }
                    candidates.setAtIndex(INT, 0, count);
                }
                return communicator.allReduce(candidates, DataType.INT32, ReduceOp.SUM);
            }
            case 1 ->
            {
                phase = 2;
                final int count = candidateCount();
                for (int j = 0; j < MAX; j++)
                {
                    flags.setAtIndex(INT, j, j < count && waiting.containsKey(candidate(j)) ? 1 : 0);
                }
                return communicator.allReduce(flags, DataType.INT32, ReduceOp.MIN);
            }
            default ->
            {
                phase = 0;
                cut();
                return null;
            }
        }
    }

    private int candidateCount()
    {
        return Math.max(0, Math.min(MAX, candidates.getAtIndex(INT, 0)));
    }

    private long candidate(final int j)
    {
        return (candidates.getAtIndex(INT, 1 + 3L * j) & 0xFFFFFFFFL) | (long)candidates.getAtIndex(INT, 2 + 3L * j) << 32;
    }

    /** Packs the agreed tensors, per kind in rank 0's order, into batches of at most a buffer. */
    private void cut()
    {
        batches.clear();
        final List<List<Pending>> open = new ArrayList<>();
        final long[] openBytes = new long[Pending.KINDS];
        for (int kind = 0; kind < Pending.KINDS; kind++)
        {
            open.add(new ArrayList<>());
        }
        final int count = candidateCount();
        for (int j = 0; j < count; j++)
        {
            if (flags.getAtIndex(INT, j) != 1)
            {
                continue;
            }
            final Pending pending = waiting.remove(candidate(j));
            triggers.removed(pending);
            final int kind = pending.kind();
            if (!open.get(kind).isEmpty() && openBytes[kind] + pending.padded() > bufferBytes)
            {
                batches.add(open.get(kind).toArray(Pending[]::new));
                open.get(kind).clear();
                openBytes[kind] = 0;
            }
            open.get(kind).add(pending);
            openBytes[kind] += pending.padded();
        }
        for (final List<Pending> batch : open)
        {
            if (!batch.isEmpty())
            {
                batches.add(batch.toArray(Pending[]::new));
            }
        }
        triggers.cut(batches.isEmpty());
    }

    List<Pending[]> batches()
    {
        return batches;
    }

    List<Pending> drainAll()
    {
        final List<Pending> all = new ArrayList<>(waiting.values());
        waiting.clear();
        triggers.clear();
        return all;
    }
}
