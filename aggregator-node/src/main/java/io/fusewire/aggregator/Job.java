package io.fusewire.aggregator;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.protocol.ChunkImmediate;
import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.fusion.reduce.Reducer;
import io.fusewire.fusion.reduce.Reducers;
import io.fusewire.transport.MemoryRegion;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One job on this aggregator: its slot pool and the state of every slot. Made by the admission
 * (on a handshake thread) with its memory; from then on only the reduce agent touches its slots.
 *
 * <p>Each slot sums its contributions in rank order, as soon as the ranks before are in: rank 0,
 * then rank 1, and so on. A contribution that comes early waits in its inbox area; the sums are the
 * same bits whatever the arrival order, and mostly made while the data is still in cache.
 *
 * <p>A slot's result is written to the workers from its accumulator, so the slot's next use may
 * record arrivals at once (they land in the inbox) but sums nothing until every result write of
 * the previous use has completed: a fast worker's next chunk cannot overwrite a result a slow
 * worker has not received yet.
 */
final class Job
{
    private final long id;
    private final String secret;
    private final JoinRequest first;
    private final SlotLayout layout;
    private final MemoryRegion inbox;
    private final MemoryRegion accumulators;
    private final MemoryRegion results;
    private final int accumulatorsId;
    private final int resultsId;
    private final MemorySegment[] accSlots;
    private final MemorySegment[] outSlots;
    private final boolean[] claimed;
    private volatile String failure;

    private final int[] memberOfRank;
    private final int[] generation;
    private final int[] arrivedCount;
    private final int[] nextRank;
    private final boolean[] arrived;
    private final int[] slotType;
    private final boolean[] narrowed;
    private final int[] slotLength;
    private final int[] slotFirstRank;
    private final long[] firstArrivalNs;
    private final int[] unwrittenResults;
    private boolean notified;
    private int joined;
    private int left;
    private boolean closing;
    private long beginSequence = -1;
    private int begun;
    private long beginCount;
    private int beginType;
    private int beginRank;
    private long chunksReduced;
    private long bytesIn;
    private long stale;

    private final AggregatorCounters counters;

    Job(final JoinRequest first, final MemoryRegion inbox, final MemoryRegion accumulators, final MemoryRegion results,
        final int accumulatorsId, final int resultsId, final AggregatorCounters counters)
    {
        this.counters = counters;
        this.id = first.jobId();
        this.secret = first.secret();
        this.first = first;
        this.layout = SlotLayout.of(first);
        this.inbox = inbox;
        this.accumulators = accumulators;
        this.results = results;
        this.accumulatorsId = accumulatorsId;
        this.resultsId = resultsId;
        final int window = layout.window();
        final int workers = layout.workers();
        accSlots = new MemorySegment[window];
        outSlots = new MemorySegment[window];
        for (int s = 0; s < window; s++)
        {
            accSlots[s] = accumulators.segment().asSlice(accOffset(s), 2L * layout.chunkBytes());
            outSlots[s] = results.segment().asSlice(outOffset(s), layout.chunkBytes());
        }
        claimed = new boolean[workers];
        memberOfRank = new int[workers];
        Arrays.fill(memberOfRank, -1);
        generation = new int[window];
        arrivedCount = new int[window];
        nextRank = new int[window];
        arrived = new boolean[window * workers];
        slotType = new int[window];
        narrowed = new boolean[window];
        slotLength = new int[window];
        slotFirstRank = new int[window];
        firstArrivalNs = new long[window];
        unwrittenResults = new int[window];
    }

    long id()
    {
        return id;
    }

    SlotLayout layout()
    {
        return layout;
    }

    int aggregatorIndex()
    {
        return first.aggregatorIndex();
    }

    MemoryRegion inbox()
    {
        return inbox;
    }

    List<MemoryRegion> regions()
    {
        return List.of(inbox, accumulators, results);
    }

    List<Integer> regionIds()
    {
        return List.of(accumulatorsId, resultsId);
    }

    String failure()
    {
        return failure;
    }

    /**
     * Admission: checks a further join against the job and claims its rank. Handshake threads.
     *
     * @return null if admitted, else the reason.
     */
    synchronized String claim(final JoinRequest join)
    {
        if (failure != null)
        {
            return "job " + id + " has failed (" + failure + "); start a new job id";
        }
        if (!MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8), join.secret().getBytes(StandardCharsets.UTF_8)))
        {
            return "wrong secret for job " + id;
        }
        final String difference = join.layoutDifference(first);
        if (difference != null)
        {
            return difference;
        }
        if (join.aggregatorIndex() != first.aggregatorIndex())
        {
            return "rank " + join.rank() + " knows this aggregator as index " + join.aggregatorIndex() + ", rank "
                + first.rank() + " as " + first.aggregatorIndex() + ": every worker must list the aggregators in the same order";
        }
        if (claimed[join.rank()])
        {
            return "rank " + join.rank() + " of job " + id + " has already joined";
        }
        claimed[join.rank()] = true;
        return null;
    }

    /** Admission: a claimed rank's connection was never made; the rank may join again. */
    synchronized void unclaim(final int rank)
    {
        claimed[rank] = false;
    }

    /** @return true when this join completes the job. */
    boolean onJoined(final int rank, final int member)
    {
        memberOfRank[rank] = member;
        joined++;
        return joined == layout.workers();
    }

    int memberOfRank(final int rank)
    {
        return memberOfRank[rank];
    }

    /**
     * A worker's chunk landed in its inbox area.
     *
     * @return the slot whose result is now ready, -1 if none, or -2 if the job failed.
     */
    int onChunk(final int rank, final int immediate, final int length, final long nowNs)
    {
        if (failure != null)
        {
            return -2;
        }
        if (closing)
        {
            return fail("rank " + rank + " sent a chunk after another rank left the job");
        }
        final int slot = ChunkImmediate.slot(immediate);
        if (slot >= layout.window())
        {
            return fail("rank " + rank + " wrote slot " + slot + ", beyond the window of " + layout.window());
        }
        if (ChunkImmediate.generation(immediate) != (generation[slot] & (ChunkImmediate.GENERATIONS - 1))
            || arrived[slot * layout.workers() + rank])
        {
            stale++;
            counters.staleWrites.incrementOrdered();
            return -1;
        }
        final int type = immediate >>> 24; // data type code | operator code << 4
        final DataType dtype = DataType.ofCode(ChunkImmediate.dtype(immediate));
        final ReduceOp op = ReduceOp.ofCode(ChunkImmediate.op(immediate));
        if (dtype == null || op == null || length > layout.chunkBytes() || length % dtype.bytes() != 0)
        {
            return fail("rank " + rank + " sent a chunk of " + length + " bytes with type code " + ChunkImmediate.dtype(immediate)
                + " and operator code " + ChunkImmediate.op(immediate) + ", which this aggregator cannot reduce");
        }
        if (arrivedCount[slot] == 0)
        {
            slotType[slot] = type;
            slotLength[slot] = length;
            slotFirstRank[slot] = rank;
            firstArrivalNs[slot] = nowNs;
        }
        else if (slotType[slot] != type || slotLength[slot] != length)
        {
            final int other = slotFirstRank[slot];
            return fail("workers disagree: rank " + other + " sent " + describe(slotType[slot], slotLength[slot]) + ", rank " + rank
                + " sent " + describe(type, length) + " for the same chunk");
        }
        arrived[slot * layout.workers() + rank] = true;
        arrivedCount[slot]++;
        bytesIn += length;
        counters.bytesIn.getAndAddOrdered(length);
        return sumReady(slot) ? slot : -1;
    }

    private boolean sumReady(final int slot)
    {
        if (unwrittenResults[slot] > 0 || arrivedCount[slot] == 0)
        {
            return false;
        }
        final DataType dtype = DataType.ofCode(slotType[slot] & 0xF);
        final Reducer reducer = Reducers.of(dtype, ReduceOp.ofCode(slotType[slot] >>> 4));
        final int elements = slotLength[slot] / dtype.bytes();
        final int workers = layout.workers();
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
        narrowed[slot] = reducer.finish(accSlots[slot], outSlots[slot], elements) == outSlots[slot];
        chunksReduced++;
        counters.chunksReduced.incrementOrdered();
        return true;
    }

    /** @return the region holding slot's result, after {@link #onChunk} returned it. */
    int resultRegion(final int slot)
    {
        return narrowed[slot] ? resultsId : accumulatorsId;
    }

    long resultOffset(final int slot)
    {
        return narrowed[slot] ? outOffset(slot) : accOffset(slot);
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
     * Opens the slot for its next use, its result now held until {@link #onResultWritten} was
     * called once per worker. Call after reading the result's region, offset, length and immediate.
     */
    void release(final int slot)
    {
        generation[slot]++;
        arrivedCount[slot] = 0;
        nextRank[slot] = 0;
        unwrittenResults[slot] = layout.workers();
        Arrays.fill(arrived, slot * layout.workers(), (slot + 1) * layout.workers(), false);
    }

    /**
     * One result write of the slot completed (or its worker is gone).
     *
     * @return true when this freed the slot and its next use is now complete too.
     */
    boolean onResultWritten(final int slot)
    {
        if (slot < 0 || slot >= layout.window() || unwrittenResults[slot] == 0)
        {
            return false;
        }
        return --unwrittenResults[slot] == 0 && sumReady(slot);
    }

    /** @return true the first time it is asked after the job failed: the workers are told once. */
    boolean notifyFailure()
    {
        if (failure == null || notified)
        {
            return false;
        }
        notified = true;
        return true;
    }

    /** A worker announced a collective. @return false if the job failed over it. */
    boolean onBegin(final int rank, final long sequence, final long count, final int dtype, final int op)
    {
        if (failure != null)
        {
            return false;
        }
        final int type = dtype | op << 4;
        if (sequence != beginSequence)
        {
            if (begun != 0 && begun < layout.workers())
            {
                fail("rank " + rank + " began collective " + sequence + " while only " + begun + " of " + layout.workers()
                    + " workers had begun collective " + beginSequence);
                return false;
            }
            beginSequence = sequence;
            begun = 0;
        }
        if (begun == 0)
        {
            beginCount = count;
            beginType = type;
            beginRank = rank;
        }
        else if (beginCount != count || beginType != type)
        {
            fail("workers disagree on collective " + sequence + ": rank " + beginRank + " reduces " + beginCount + " "
                + describeType(beginType) + ", rank " + rank + " reduces " + count + " " + describeType(type));
            return false;
        }
        begun++;
        return true;
    }

    /** A member's connection ended. @return the reason to fail the job for, or null. */
    String onLeft(final int rank, final boolean orderly, final String why)
    {
        memberOfRank[rank] = -1;
        left++;
        unclaim(rank);
        if (failure != null)
        {
            return null;
        }
        if (!orderly || inCollective())
        {
            return "rank " + rank + " left the job" + (orderly ? " in the middle of a collective" : "") + ": " + why;
        }
        closing = true;
        return null;
    }

    /** @return a reason to fail the job if some slot waited too long for its last contributions. */
    String straggler(final long nowNs, final long timeoutNs)
    {
        if (failure != null)
        {
            return null;
        }
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
                final String who = missing.size() == 1 ? "rank " + missing.getFirst() : "ranks " + missing;
                return who + " sent nothing for slot " + slot + " within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms of the first contribution (missing or stalled worker)";
            }
        }
        return null;
    }

    /** Marks the job failed. @return -2. */
    int fail(final String reason)
    {
        if (failure == null)
        {
            failure = reason;
        }
        return -2;
    }

    boolean isRetirable()
    {
        return joined > 0 && left == joined;
    }

    String summary()
    {
        return "job " + id + ": " + layout.workers() + " workers, " + chunksReduced + " chunks reduced, " + bytesIn + " bytes in, "
            + stale + " stale writes ignored";
    }



    private boolean inCollective()
    {
        for (int slot = 0; slot < layout.window(); slot++)
        {
            if (arrivedCount[slot] > 0)
            {
                return true;
            }
        }
        return begun != 0 && begun < layout.workers();
    }

    private long accOffset(final int slot)
    {
        return 2L * layout.chunkBytes() * slot;
    }

    private long outOffset(final int slot)
    {
        return (long)layout.chunkBytes() * slot;
    }

    private static String describe(final int type, final int length)
    {
        return length + " bytes of " + describeType(type);
    }

    private static String describeType(final int type)
    {
        final DataType dtype = DataType.ofCode(type & 0xF);
        final ReduceOp op = ReduceOp.ofCode(type >>> 4 & 0xF);
        return (dtype == null ? "type ?" : dtype.name().toLowerCase(java.util.Locale.ROOT)) + " " + (op == null ? "op ?" : op.name());
    }
}
