package io.fusewire.aggregator;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.protocol.ChunkImmediate;
import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.fusion.reduce.Reducer;
import io.fusewire.fusion.reduce.Reducers;
import io.fusewire.transport.MemoryRegion;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A job's slots on this aggregator and the state of each: which ranks' chunks are in, how far the
 * sum has got, and whether the previous result is still being delivered. Touched only by the
 * reduce agent.
 *
 * <p>Each slot sums its contributions in rank order, as soon as the ranks before are in: rank 0,
 * then rank 1, and so on. A contribution that comes early waits in its inbox area; the sums are the
 * same bits whatever the arrival order, and mostly made while the data is still in cache.
 *
 * <p>A common-prefix chunk ({@link ChunkImmediate#PREFIX}) may come in different lengths from
 * different workers: the sum covers the bytes all of them sent, each contribution summed over the
 * shortest length seen so far (which only shrinks, so the final prefix has every rank in it), and
 * the result is as long as the shortest contribution.
 *
 * <p>A chunk marked {@link ChunkImmediate#FINAL} is a result, not a contribution: a worker resending,
 * after a failover, a chunk whose result it already had. The slot's result is then that chunk as
 * it came (the others' contributions sum to it), once every worker's chunk is in.
 *
 * <p>A slot's result stays where the sum left it ({@link SlotLayout#resultRegion}) until every
 * worker has it, so the slot's next use may record arrivals at once (they land in the inbox) but
 * sums nothing before. A worker has its result when the result write to it completed, or, where
 * the workers read results where they lie ({@link #readInPlace}), when its next chunk for the slot
 * arrives: a worker reuses a slot only after it has read the slot's result (the implicit credit).
 */
final class SlotPool
{
    /** {@link #onChunk}'s answer for a chunk that fails the job; {@link #refusal()} says why. */
    static final int REFUSED = -2;

    private final SlotLayout layout;
    private final MemoryRegion inbox;
    private final MemorySegment[] accSlots;
    private final MemorySegment[] outSlots;
    /** The result area, whose table of result lengths tells workers that read in place how long each result is. */
    private final MemorySegment resultLengths;
    private final int[] generation;
    private final int[] arrivedCount;
    private final int[] nextRank;
    private final boolean[] arrived;
    private final int[] slotType;
    private final int[] slotLength;
    private final int[] slotFirstRank;
    /** Per slot, the first rank whose chunk is a {@link ChunkImmediate#FINAL} result, or -1. */
    private final int[] finalRank;
    private final long[] firstArrivalNs;
    private final int[] undelivered;
    private final AggregatorCounters counters;
    private boolean readInPlace;
    private String refusal;
    /** Written by the agent alone (plain read, ordered write); read by the operator's status and metrics. */
    private final AtomicLong chunksReduced = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private long stale;
    private long nowNs;

    SlotPool(final SlotLayout layout, final MemoryRegion inbox, final MemoryRegion accumulators, final MemoryRegion results,
        final AggregatorCounters counters)
    {
        this.layout = layout;
        this.inbox = inbox;
        this.counters = counters;
        final int window = layout.window();
        resultLengths = results.segment();
        accSlots = new MemorySegment[window];
        outSlots = new MemorySegment[window];
        for (int s = 0; s < window; s++)
        {
            accSlots[s] = accumulators.segment().asSlice(layout.accumulatorOffset(s), 2L * layout.chunkBytes());
            outSlots[s] = results.segment().asSlice(layout.resultAreaOffset(s), layout.chunkBytes());
        }
        generation = new int[window];
        arrivedCount = new int[window];
        nextRank = new int[window];
        arrived = new boolean[window * layout.workers()];
        slotType = new int[window];
        slotLength = new int[window];
        slotFirstRank = new int[window];
        finalRank = new int[window];
        Arrays.fill(finalRank, -1);
        firstArrivalNs = new long[window];
        undelivered = new int[window];
    }

    /** The workers read results where they lie (shared memory): no result is written, a worker's next chunk frees its part. */
    void readInPlace(final boolean inPlace)
    {
        readInPlace = inPlace;
    }

    boolean readsInPlace()
    {
        return readInPlace;
    }

    /** @return why the last {@link #REFUSED} chunk failed the job. */
    String refusal()
    {
        return refusal;
    }

    /**
     * A worker's chunk landed in its inbox area.
     *
     * @return the slot whose result is now ready, -1 if none, or {@link #REFUSED}.
     */
    int onChunk(final int rank, final int immediate, final int length, final long nowNs)
    {
        this.nowNs = nowNs;
        final int slot = ChunkImmediate.slot(immediate);
        if (slot >= layout.window())
        {
            return refuse("rank " + rank + " wrote slot " + slot + ", beyond the window of " + layout.window());
        }
        if (ChunkImmediate.generation(immediate) != (generation[slot] & (ChunkImmediate.GENERATIONS - 1))
            || arrived[slot * layout.workers() + rank])
        {
            stale++;
            counters.staleWrites.incrementOrdered();
            return -1;
        }
        final int type = immediate >>> 24; // data type code | (operator code | PREFIX) << 4
        final DataType dtype = DataType.ofCode(ChunkImmediate.dtype(immediate));
        final ReduceOp op = ReduceOp.ofCode(ChunkImmediate.op(immediate));
        if (dtype == null || op == null || length > layout.chunkBytes() || length % dtype.bytes() != 0)
        {
            return refuse("rank " + rank + " sent a chunk of " + length + " bytes with type code " + ChunkImmediate.dtype(immediate)
                + " and operator code " + ChunkImmediate.op(immediate) + ", which this aggregator cannot reduce");
        }
        if (arrivedCount[slot] == 0)
        {
            slotType[slot] = type;
            slotLength[slot] = length;
            slotFirstRank[slot] = rank;
            firstArrivalNs[slot] = nowNs;
        }
        else if (slotType[slot] != type || slotLength[slot] != length && !ChunkImmediate.isPrefix(immediate))
        {
            final int other = slotFirstRank[slot];
            return refuse("workers disagree: rank " + other + " sent " + describe(slotType[slot], slotLength[slot]) + ", rank "
                + rank + " sent " + describe(type, length) + " for the same chunk");
        }
        else
        {
            slotLength[slot] = Math.min(slotLength[slot], length); // a common prefix is as long as the shortest contribution
        }
        arrived[slot * layout.workers() + rank] = true;
        arrivedCount[slot]++;
        if (ChunkImmediate.isFinal(immediate) && finalRank[slot] < 0)
        {
            finalRank[slot] = rank;
        }
        if (readInPlace && undelivered[slot] > 0)
        {
            undelivered[slot]--; // this worker read the slot's previous result before reusing the slot
        }
        bytesIn.lazySet(bytesIn.getPlain() + length);
        counters.bytesIn.getAndAddOrdered(length);
        return sumReady(slot) ? slot : -1;
    }

    /**
     * One result write of the slot completed (or its worker is gone). Ignored where the workers
     * read in place: there, their next chunks say they have the result.
     *
     * @param nowNs the reduce agent's clock, for the next use's latency if it completes now.
     * @return true when this freed the slot and its next use is now complete too.
     */
    boolean onResultWritten(final int slot, final long nowNs)
    {
        if (readInPlace || slot < 0 || slot >= layout.window() || undelivered[slot] == 0)
        {
            return false;
        }
        this.nowNs = nowNs;
        return --undelivered[slot] == 0 && sumReady(slot);
    }

    /** @return the exposed region ({@link SlotLayout#ACCUMULATORS} or {@link SlotLayout#RESULTS}) holding slot's result. */
    int resultRegion(final int slot)
    {
        return SlotLayout.resultRegion(typeBytes(slot));
    }

    long resultOffset(final int slot)
    {
        return layout.resultOffset(slot, typeBytes(slot));
    }

    int resultLength(final int slot)
    {
        return slotLength[slot];
    }

    /** @return the immediate of slot's result, naming the use it answers. */
    int resultImmediate(final int slot)
    {
        return ChunkImmediate.encode(slot, generation[slot], slotType[slot] & 0xF, slotType[slot] >>> 4);
    }

    /**
     * Opens the slot for its next use, its result now held until every worker has it. Call after
     * reading the result's region, offset, length and immediate.
     */
    void release(final int slot)
    {
        generation[slot]++;
        arrivedCount[slot] = 0;
        nextRank[slot] = 0;
        finalRank[slot] = -1;
        undelivered[slot] = layout.workers();
        Arrays.fill(arrived, slot * layout.workers(), (slot + 1) * layout.workers(), false);
    }

    /** @return true while some slot has contributions in but not all. */
    boolean isSumming()
    {
        for (int slot = 0; slot < layout.window(); slot++)
        {
            if (arrivedCount[slot] > 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @param rankName how to name a rank in the reason (with where it joined from).
     * @return a reason to fail the job if some slot waited too long for its last contributions, or null.
     */
    String straggler(final long nowNs, final long timeoutNs, final IntFunction<String> rankName)
    {
        for (int slot = 0; slot < layout.window(); slot++)
        {
            if (arrivedCount[slot] > 0 && nowNs - firstArrivalNs[slot] > timeoutNs)
            {
                final List<Integer> missing = new ArrayList<>();
                for (int rank = 0; rank < layout.workers(); rank++)
                {
                    if (!arrived[slot * layout.workers() + rank])
                    {
                        missing.add(rank);
                    }
                }
                if (missing.isEmpty())
                {
                    continue; // every contribution is in: the slot waits for its result writes, which the transport bounds
                }
                final String who = missing.stream().map(rankName::apply).collect(Collectors.joining(", "));
                return who + " sent nothing for slot " + slot + " within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms of the first contribution (missing or stalled worker)";
            }
        }
        return null;
    }

    /**
     * @param rankName how to name a rank.
     * @return who this job waits for, longer than {@code lateNs}, in each slot: "slot 1: rank 2 (...) 340 ms", or null.
     */
    String late(final long nowNs, final long lateNs, final IntFunction<String> rankName)
    {
        StringBuilder late = null;
        for (int slot = 0; slot < layout.window(); slot++)
        {
            final long waited = nowNs - firstArrivalNs[slot];
            if (arrivedCount[slot] == 0 || arrivedCount[slot] == layout.workers() || waited <= lateNs)
            {
                continue;
            }
            late = late == null ? new StringBuilder() : late.append("; ");
            late.append("slot ").append(slot).append(" waits ").append(TimeUnit.NANOSECONDS.toMillis(waited)).append(" ms for ");
            boolean first = true;
            for (int rank = 0; rank < layout.workers(); rank++)
            {
                if (!arrived[slot * layout.workers() + rank])
                {
                    late.append(first ? "" : ", ").append(rankName.apply(rank));
                    first = false;
                }
            }
        }
        return late == null ? null : late.toString();
    }

    String summary()
    {
        return chunksReduced.get() + " chunks reduced, " + bytesIn.get() + " bytes in, " + stale + " stale writes ignored";
    }

    /** @return bytes of chunks received so far; from any thread. */
    long bytesIn()
    {
        return bytesIn.get();
    }

    /** @return chunks summed so far; from any thread. */
    long chunksReduced()
    {
        return chunksReduced.get();
    }

    private boolean sumReady(final int slot)
    {
        if (undelivered[slot] > 0 || arrivedCount[slot] == 0)
        {
            return false;
        }
        final DataType dtype = DataType.ofCode(slotType[slot] & 0xF);
        final Reducer reducer = Reducers.of(dtype, ReduceOp.ofCode(slotType[slot] >>> 4 & 0x7));
        final int elements = slotLength[slot] / dtype.bytes();
        final int workers = layout.workers();
        if (finalRank[slot] >= 0)
        {
            return arrivedCount[slot] == workers && resultTakenAsItCame(slot, dtype);
        }
        int rank = nextRank[slot];
        if (rank == 0 && workers >= 2 && arrived[slot * workers] && arrived[slot * workers + 1])
        {
            reducer.combine(accSlots[slot], inbox.segment(), layout.inboxOffset(slot, 0), layout.inboxOffset(slot, 1), elements);
            rank = 2;
        }
        while (rank < workers && arrived[slot * workers + rank])
        {
            reducer.accumulate(accSlots[slot], inbox.segment(), layout.inboxOffset(slot, rank), elements, rank == 0);
            rank++;
        }
        nextRank[slot] = rank;
        if (rank < workers)
        {
            return false;
        }
        reducer.finish(accSlots[slot], outSlots[slot], elements); // lands where SlotLayout.resultRegion says
        return resultReady(slot);
    }

    /** A final result resent after a failover is the slot's result: copied where results lie. */
    private boolean resultTakenAsItCame(final int slot, final DataType dtype)
    {
        final MemorySegment at = SlotLayout.resultRegion(dtype.bytes()) == SlotLayout.ACCUMULATORS ? accSlots[slot] : outSlots[slot];
        MemorySegment.copy(inbox.segment(), layout.inboxOffset(slot, finalRank[slot]), at, 0, slotLength[slot]);
        counters.finalsTaken.incrementOrdered();
        return resultReady(slot);
    }

    private boolean resultReady(final int slot)
    {
        counters.chunkLatency(nowNs - firstArrivalNs[slot]);
        resultLengths.set(ValueLayout.JAVA_INT, layout.resultLengthOffset(slot), slotLength[slot]);
        chunksReduced.lazySet(chunksReduced.getPlain() + 1);
        counters.chunksReduced.incrementOrdered();
        return true;
    }

    private int typeBytes(final int slot)
    {
        return DataType.ofCode(slotType[slot] & 0xF).bytes();
    }

    private int refuse(final String reason)
    {
        refusal = reason;
        return REFUSED;
    }

    private static String describe(final int type, final int length)
    {
        return length + " bytes of " + Job.describeType(type);
    }
}
