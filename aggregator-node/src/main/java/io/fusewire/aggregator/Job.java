package io.fusewire.aggregator;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.protocol.ChunkImmediate;
import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.transport.MemoryRegion;
import java.security.MessageDigest;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One job on this aggregator: who may join it and who did, the workers' agreement on each
 * collective, and whether it failed; its chunks are summed in its {@link SlotPool}. Made by the
 * admission (on a handshake thread) with its memory; from then on only the reduce agent touches it,
 * but for the claims of further joins.
 */
final class Job
{
    private final long id;
    /** The job's key, learnt from its first join: what every join proves, an HMAC of the secret (never seen here). */
    private final byte[] key;
    private final JoinRequest first;
    private final SlotLayout layout;
    private final MemoryRegion inbox;
    private final MemoryRegion accumulators;
    private final MemoryRegion results;
    private final int accumulatorsId;
    private final int resultsId;
    private final SlotPool slots;
    /** Per rank, where it joined from (host:port (pid)); null while unclaimed. */
    private final String[] peerOfRank;
    private final IntFunction<String> rankName = this::describeRank;
    private final int[] memberOfRank;
    private volatile String failure;
    /** Who the job has waited for too long, as the reduce agent last saw it; for the operator's status. */
    private volatile String late;
    /** The reduce agent's last housekeeping round that looked at this job. */
    private long lookedAt;
    private boolean notified;
    private int joined;
    private int left;
    private boolean closing;
    private Uplinks uplinks;
    private int localRack = -1;
    private long beginSequence = -1;
    private int begun;
    private long beginCount;
    private int beginType;
    private int beginRank;
    private boolean[] resumedRank;
    private int resumed;
    private long resumeFrom = Long.MAX_VALUE;

    Job(final JoinRequest first, final byte[] key, final MemoryRegion inbox, final MemoryRegion accumulators, final MemoryRegion results,
        final int accumulatorsId, final int resultsId, final AggregatorCounters counters)
    {
        this.id = first.jobId();
        this.key = key.clone();
        this.first = first;
        this.layout = SlotLayout.of(first);
        this.inbox = inbox;
        this.accumulators = accumulators;
        this.results = results;
        this.accumulatorsId = accumulatorsId;
        this.resultsId = resultsId;
        slots = new SlotPool(layout, inbox, accumulators, results, counters);
        peerOfRank = new String[layout.workers()];
        memberOfRank = new int[layout.workers()];
        Arrays.fill(memberOfRank, -1);
    }

    long id()
    {
        return id;
    }

    /** @return one line for an operator: the job, its layout, who joined from where, its failure; from any thread. */
    synchronized String describe()
    {
        final StringBuilder line = new StringBuilder(name()).append(": ").append(layout.workers()).append(" members, window ")
            .append(layout.window()).append(" x ").append(layout.chunkBytes()).append(" B, ").append(slots.bytesIn()).append(" bytes in, ")
            .append(slots.chunksReduced()).append(" chunks reduced");
        for (int rank = 0; rank < peerOfRank.length; rank++)
        {
            line.append(rank == 0 ? "; ranks " : ", ").append(rank).append(' ').append(peerOfRank[rank] == null ? "not joined" : peerOfRank[rank]);
        }
        final String waiting = late;
        if (waiting != null)
        {
            line.append("; late: ").append(waiting);
        }
        final String failed = failure;
        return failed == null ? line.toString() : line.append("; failed: ").append(failed).toString();
    }

    /** @return "job ID", "job ID, tier 2" for the racks' side of a hierarchical job, "failover job ID" for a takeover. */
    String name()
    {
        return (id & JoinRequest.FAILOVER) != 0 ? "failover job " + (id & ~JoinRequest.FAILOVER)
            : (id & Uplinks.TIER2) != 0 ? "job " + (id & ~Uplinks.TIER2) + ", tier 2" : "job " + id;
    }

    SlotLayout layout()
    {
        return layout;
    }

    int aggregatorIndex()
    {
        return first.aggregatorIndex();
    }

    SlotPool slots()
    {
        return slots;
    }

    /** @return the job's memory, exposed to its workers in {@link SlotLayout}'s order: inbox, accumulators, results. */
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

    /** @return the job's second tier, or null if it is summed here alone (flat, or itself a tier-2 job). */
    Uplinks uplinks()
    {
        return uplinks;
    }

    void uplinks(final Uplinks second)
    {
        uplinks = second;
    }

    /** A tier-2 job's rank that is this daemon's own rack: its traffic with every other rank crosses racks. */
    void localRack(final int rack)
    {
        localRack = rack;
    }

    /** @return whether this rank's chunks and results cross an uplink (a tier-2 job's rank other than this daemon's rack). */
    boolean acrossRacks(final int rank)
    {
        return localRack >= 0 && rank != localRack;
    }

    /** @return the job's key (for its tier-2 joins). */
    byte[] key()
    {
        return key.clone();
    }

    /**
     * Admission: checks a further join against the job and claims its rank. Handshake threads.
     *
     * @return null if admitted, else the reason.
     */
    synchronized String claim(final JoinRequest.Signed signed, final byte[] challenge, final String peer)
    {
        final JoinRequest join = signed.join();
        if (failure != null)
        {
            return name() + " has failed (" + failure + "); start a new job id";
        }
        if (!signed.provedWith(key, challenge) || signed.key() != null && !MessageDigest.isEqual(key, signed.key()))
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
        if (peerOfRank[join.rank()] != null)
        {
            return "rank " + join.rank() + " of job " + id + " has already joined";
        }
        peerOfRank[join.rank()] = peer;
        return null;
    }

    /** Admission: a claimed rank's connection was never made; the rank may join again. */
    synchronized void unclaim(final int rank)
    {
        peerOfRank[rank] = null;
    }

    /**
     * A claimed rank's connection is up.
     *
     * @param readsInPlace whether that worker reads results where they lie (it shares this host's memory).
     * @return true when this join completes the job.
     */
    boolean onJoined(final int rank, final int member, final boolean readsInPlace)
    {
        if (joined == 0)
        {
            slots.readInPlace(readsInPlace);
        }
        else if (slots.readsInPlace() != readsInPlace)
        {
            fail("rank " + rank + (readsInPlace ? " reads" : " does not read") + " results in place and rank " + first.rank()
                + (readsInPlace ? " does not" : " does") + ": every worker of a job must join over the same transport");
        }
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
        final int slot = slots.onChunk(rank, immediate, length, nowNs);
        return slot == SlotPool.REFUSED ? fail(slots.refusal()) : slot;
    }

    /** @return the id, in the daemon's region table, of the region holding slot's result. */
    /** @return the memory holding slot's result: the accumulators (4-byte types) or the result area (2-byte types). */
    MemorySegment resultMemory(final int slot)
    {
        return slots.resultRegion(slot) == SlotLayout.ACCUMULATORS ? accumulators.segment() : results.segment();
    }

    int resultRegionId(final int slot)
    {
        return slots.resultRegion(slot) == SlotLayout.ACCUMULATORS ? accumulatorsId : resultsId;
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
        else if (beginType != type || beginCount != count && (op & ChunkImmediate.PREFIX) == 0)
        {
            fail("workers disagree on collective " + sequence + ": rank " + beginRank + " reduces " + beginCount + " "
                + describeType(beginType) + ", rank " + rank + " reduces " + count + " " + describeType(type));
            return false;
        }
        begun++;
        return true;
    }

    /**
     * A worker said where it stands in the failed aggregator's stream of chunks this job takes over.
     *
     * @return where the stream resumes (the least position) once every rank has said, else -1.
     */
    long onResume(final int rank, final long position)
    {
        if (resumedRank == null)
        {
            resumedRank = new boolean[layout.workers()];
        }
        if (failure != null || position < 0 || resumedRank[rank])
        {
            fail("rank " + rank + " sent a " + (position < 0 ? "negative resume position" : "second resume"));
            return -1;
        }
        resumedRank[rank] = true;
        resumeFrom = Math.min(resumeFrom, position);
        return ++resumed == layout.workers() ? resumeFrom : -1;
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
        return failure != null ? null : slots.straggler(nowNs, timeoutNs, rankName);
    }

    /** @return true the first time the reduce agent's housekeeping round {@code round} asks: one look per job per round. */
    boolean firstLookIn(final long round)
    {
        if (lookedAt == round)
        {
            return false;
        }
        lookedAt = round;
        return true;
    }

    /** Notes, for the operator's status, whom the job has waited for longer than {@code lateNs}. Reduce agent. */
    void noteLate(final long nowNs, final long lateNs)
    {
        late = failure != null ? null : slots.late(nowNs, lateNs, rankName);
    }

    /** @return the rank with where it joined from, e.g. {@code rank 1 (10.77.0.11:40280 (pid 1234))}: which host to look at. */
    private synchronized String describeRank(final int rank)
    {
        return "rank " + rank + " (" + (peerOfRank[rank] == null ? "never joined" : peerOfRank[rank]) + ")";
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
        return name() + ": " + layout.workers() + ((id & Uplinks.TIER2) != 0 ? " racks" : " workers") + ", " + slots.summary();
    }

    private boolean inCollective()
    {
        return slots.isSumming() || begun != 0 && begun < layout.workers();
    }

    /** @return a chunk's type byte (data type code | operator code &lt;&lt; 4, with its PREFIX flag) in words. */
    static String describeType(final int type)
    {
        final DataType dtype = DataType.ofCode(type & 0xF);
        final ReduceOp op = ReduceOp.ofCode(type >>> 4 & 0x7);
        return (dtype == null ? "type ?" : dtype.name().toLowerCase(java.util.Locale.ROOT)) + " " + (op == null ? "op ?" : op.name())
            + ((type >>> 4 & ChunkImmediate.PREFIX) != 0 ? " (common prefix)" : "");
    }
}
