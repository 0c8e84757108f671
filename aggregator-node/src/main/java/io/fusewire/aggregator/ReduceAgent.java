package io.fusewire.aggregator;

import io.fusewire.fusion.protocol.ControlMessages;
import io.fusewire.transport.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * Owns the jobs' slots: folds each arriving chunk into its slot, and when a slot is complete puts
 * one result write per worker on the egress ring: the result itself, or, to workers that read it
 * where it lies (shared memory), a write of no bytes whose immediate says it is ready. Result writes wait in a queue of their own when
 * the egress ring is full, and ingress is not read meanwhile, so nothing is dropped.
 */
final class ReduceAgent implements Agent
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.aggregator");
    private static final long HOUSEKEEPING_NS = TimeUnit.MILLISECONDS.toNanos(50);
    /** A chunk that waited this long for its last contributions shows in the status as late, with whom it waits for. */
    private static final long LATE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int QUEUE = 1 << 14;

    private final JobTable jobs;
    private final RingBuffer ingress;
    private final RingBuffer egress;
    private final long stragglerTimeoutNs;
    private final Job[] memberJob = new Job[SharedTables.MAX_MEMBERS];
    private final int[] memberRank = new int[SharedTables.MAX_MEMBERS];
    private final MessageHandler onIngress = this::onIngress;
    private final Uplinks.Down down = this::multicast;
    private final Uplinks[] uplinked = new Uplinks[SharedTables.MAX_MEMBERS];
    private int uplinkedCount;
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[4096]);
    private final Job[] queuedJob = new Job[QUEUE];
    private final int[] queuedSlot = new int[QUEUE];
    private final int[] queuedRegion = new int[QUEUE];
    private final long[] queuedOffset = new long[QUEUE];
    private final int[] queuedLength = new int[QUEUE];
    private final int[] queuedImmediate = new int[QUEUE];
    private long queueHead;
    private long queueTail;
    private int nextRankOfHead;
    private long nowNs;
    private long nextHousekeepingNs;
    private long housekeepingRound;

    private final AggregatorCounters counters;

    ReduceAgent(final JobTable jobs, final RingBuffer ingress, final RingBuffer egress, final long stragglerTimeoutMs,
        final AggregatorCounters counters)
    {
        this.jobs = jobs;
        this.counters = counters;
        this.ingress = ingress;
        this.egress = egress;
        this.stragglerTimeoutNs = TimeUnit.MILLISECONDS.toNanos(stragglerTimeoutMs);
    }

    @Override
    public String roleName()
    {
        return "aggregator-reduce";
    }

    @Override
    public int doWork()
    {
        nowNs = System.nanoTime();
        int work = writeQueuedResults();
        for (int i = 0; i < uplinkedCount; i++)
        {
            work += uplinked[i].forward(egress);
        }
        if (queueHead == queueTail)
        {
            work += ingress.read(onIngress, 64);
        }
        if (nowNs - nextHousekeepingNs >= 0)
        {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_NS;
            checkStragglers();
        }
        return work;
    }

    private void onIngress(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final int member = buffer.getInt(index + Records.MEMBER);
        if (type == Records.JOINED)
        {
            onJoined(member, buffer.getInt(index + Records.JOINED_RANK), buffer.getLong(index + Records.JOINED_JOB),
                buffer.getInt(index + Records.JOINED_IN_PLACE) != 0);
            return;
        }
        if (type == Records.UPLINK)
        {
            onUplink(member, buffer.getInt(index + Records.UPLINK_OWNER), buffer.getLong(index + Records.UPLINK_JOB),
                textAt(buffer, index + Records.UPLINK_TEXT, length - Records.UPLINK_TEXT));
            return;
        }
        final Job job = memberJob[SharedTables.slot(member)];
        if (job == null)
        {
            return;
        }
        final int rank = memberRank[SharedTables.slot(member)];
        if (rank < 0)
        {
            onOwner(type, member, job, -1 - rank, buffer, index, length);
            return;
        }
        switch (type)
        {
            case Records.ARRIVED ->
            {
                final int bytes = buffer.getInt(index + Records.ARRIVED_BYTES);
                if (job.acrossRacks(rank))
                {
                    counters.acrossIn.getAndAddOrdered(bytes);
                }
                onSlot(job, job.onChunk(rank, buffer.getInt(index + Records.ARRIVED_IMMEDIATE), bytes, nowNs));
            }
            case Records.WRITTEN ->
            {
                final int slot = buffer.getInt(index + Records.WRITTEN_SLOT);
                onSlot(job, job.slots().onResultWritten(slot, nowNs) ? slot : -1);
            }
            case Records.MESSAGE ->
            {
                message.wrap(buffer, index + Records.BODY, length - Records.BODY);
                final int kind = ControlMessages.type(message);
                if (kind == ControlMessages.BEGIN && length - Records.BODY >= ControlMessages.BEGIN_LENGTH)
                {
                    job.onBegin(rank, ControlMessages.beginSequence(message), ControlMessages.beginCount(message),
                        ControlMessages.beginDtype(message), ControlMessages.beginOp(message));
                }
                else if (kind == ControlMessages.RESUME && length - Records.BODY >= ControlMessages.RESUME_LENGTH)
                {
                    resumeIfAllSaid(job, job.onResume(rank, ControlMessages.resumePosition(message)));
                }
                else
                {
                    job.fail("rank " + rank + " sent a control message the aggregator does not know");
                }
                tellIfFailed(job);
            }
            case Records.FAILED ->
            {
                job.fail("a result for rank " + rank + " failed: " + text(buffer, index, length));
                tellIfFailed(job);
            }
            case Records.LEFT ->
            {
                memberJob[SharedTables.slot(member)] = null;
                final String reason = job.onLeft(rank, buffer.getInt(index + Records.STATUS) == Status.SUCCESS,
                    text(buffer, index, length));
                if (reason != null)
                {
                    job.fail(reason);
                }
                tellIfFailed(job);
                if (job.isRetirable())
                {
                    LOG.log(System.Logger.Level.INFO, "finished " + job.summary()
                        + (job.failure() != null ? "; failed: " + job.failure() : ""));
                    closeUplinks(job);
                    jobs.retire(job);
                }
            }
            default ->
            {
            }
        }
    }

    private void onJoined(final int member, final int rank, final long jobId, final boolean readsInPlace)
    {
        final Job job = jobs.get(jobId);
        if (job == null)
        {
            send(member, "job " + jobId + " ended while rank " + rank + " was joining; join again");
            return;
        }
        memberJob[SharedTables.slot(member)] = job;
        memberRank[SharedTables.slot(member)] = rank;
        if (job.onJoined(rank, member, readsInPlace))
        {
            counters.jobsAdmitted.incrementOrdered();
            LOG.log(System.Logger.Level.INFO, "admitted " + job.name() + ": " + job.layout().workers() + " members, window "
                + job.layout().window() + " x " + job.layout().chunkBytes() + " bytes");
        }
        if (job.failure() != null)
        {
            send(member, job.failure());
        }
    }

    private void onSlot(final Job job, final int slot)
    {
        if (slot >= 0)
        {
            final SlotPool slots = job.slots();
            final Uplinks second = job.uplinks();
            if (second == null)
            {
                multicast(job, slot, job.resultRegionId(slot), slots.resultOffset(slot), slots.resultLength(slot),
                    slots.resultImmediate(slot));
                slots.release(slot);
                return;
            }
            final String refusal = second.onRackSum(slot, job.resultMemory(slot), job.resultRegionId(slot), slots.resultOffset(slot),
                slots.resultLength(slot), slots.resultImmediate(slot));
            slots.release(slot);
            if (refusal != null)
            {
                job.fail(refusal);
                tellIfFailed(job);
            }
        }
        else if (slot == -2)
        {
            tellIfFailed(job);
        }
    }

    /** Queues a slot's result for every worker of the job. */
    private void multicast(final Job job, final int slot, final int region, final long offset, final int length, final int immediate)
    {
        final int at = (int)(queueTail & (QUEUE - 1));
        queuedJob[at] = job;
        queuedSlot[at] = slot;
        queuedRegion[at] = region;
        queuedOffset[at] = offset;
        queuedLength[at] = length;
        queuedImmediate[at] = immediate;
        queueTail++;
    }

    /** A tier-2 uplink of a job connected, or could not. */
    private void onUplink(final int member, final int owner, final long jobId, final String failure)
    {
        final Job job = jobs.get(jobId);
        if (job == null || job.uplinks() == null || job.failure() != null || member < 0)
        {
            if (member >= 0)
            {
                close(member, -1);
            }
            if (job != null && member < 0)
            {
                job.fail(failure);
                tellIfFailed(job);
            }
            return;
        }
        memberJob[SharedTables.slot(member)] = job;
        memberRank[SharedTables.slot(member)] = -1 - owner;
        final Uplinks second = job.uplinks();
        second.attach(owner, member);
        for (int i = 0; i < uplinkedCount; i++)
        {
            if (uplinked[i] == second)
            {
                return;
            }
        }
        uplinked[uplinkedCount++] = second;
        LOG.log(System.Logger.Level.DEBUG, "job " + jobId + ": uplink to tier-2 owner " + owner + " up");
    }

    /** What a tier-2 owner's connection brought: a total, a completed forward, an error, its end. */
    private void onOwner(final int type, final int member, final Job job, final int owner, final MutableDirectBuffer buffer,
        final int index, final int length)
    {
        final Uplinks second = job.uplinks();
        final String refusal = switch (type)
        {
            case Records.ARRIVED -> second.onTotal(owner, buffer.getInt(index + Records.ARRIVED_IMMEDIATE),
                buffer.getInt(index + Records.ARRIVED_BYTES), down);
            case Records.WRITTEN -> second.onForwardWritten(owner, buffer.getInt(index + Records.WRITTEN_SLOT), down);
            case Records.MESSAGE ->
            {
                message.wrap(buffer, index + Records.BODY, length - Records.BODY);
                yield "tier-2 owner " + owner + " failed the job: " + ControlMessages.errorReason(message);
            }
            case Records.FAILED -> "a rack sum to tier-2 owner " + owner + " failed: " + text(buffer, index, length);
            case Records.LEFT ->
            {
                memberJob[SharedTables.slot(member)] = null;
                yield "the uplink to tier-2 owner " + owner + " closed: " + text(buffer, index, length);
            }
            default -> null;
        };
        if (refusal != null)
        {
            job.fail(refusal);
            tellIfFailed(job);
        }
    }

    /** The job retires: its uplinks close, and the window the owners wrote into is freed after them. */
    private void closeUplinks(final Job job)
    {
        final Uplinks second = job.uplinks();
        if (second == null)
        {
            return;
        }
        for (int owner = 0; owner < second.owners(); owner++)
        {
            final int member = second.member(owner);
            if (member >= 0)
            {
                memberJob[SharedTables.slot(member)] = null;
                close(member, -1);
            }
        }
        close(-1, second.windowId());
        for (int i = 0; i < uplinkedCount; i++)
        {
            if (uplinked[i] == second)
            {
                uplinked[i] = uplinked[--uplinkedCount];
                uplinked[uplinkedCount] = null;
                return;
            }
        }
    }

    private void close(final int member, final int region)
    {
        final UnsafeBuffer body = new UnsafeBuffer(new byte[Records.CLOSE_LENGTH]);
        body.putInt(Records.MEMBER, member);
        body.putInt(Records.CLOSE_REGION, region);
        if (!egress.write(Records.CLOSE, body, 0, Records.CLOSE_LENGTH))
        {
            LOG.log(System.Logger.Level.ERROR, "egress ring full: could not close member " + member + " / region " + region);
        }
    }

    private int writeQueuedResults()
    {
        int work = 0;
        while (queueHead != queueTail)
        {
            final int at = (int)(queueHead & (QUEUE - 1));
            final Job job = queuedJob[at];
            final int workers = job.layout().workers();
            while (nextRankOfHead < workers)
            {
                final int member = job.memberOfRank(nextRankOfHead);
                if (member < 0 || job.failure() != null)
                {
                    job.slots().onResultWritten(queuedSlot[at], nowNs);
                }
                else if (!writeResult(job, member, at))
                {
                    return work;
                }
                nextRankOfHead++;
                work++;
            }
            queuedJob[at] = null;
            nextRankOfHead = 0;
            queueHead++;
        }
        return work;
    }

    private boolean writeResult(final Job job, final int member, final int at)
    {
        if (!Records.putResult(egress, member, queuedRegion[at], queuedOffset[at], job.slots().readsInPlace() ? 0 : queuedLength[at],
            queuedImmediate[at], job.layout().windowOffset(job.aggregatorIndex(), queuedSlot[at]), queuedSlot[at]))
        {
            return false;
        }
        counters.bytesOut.getAndAddOrdered(queuedLength[at]);
        if (job.acrossRacks(nextRankOfHead))
        {
            counters.acrossOut.getAndAddOrdered(queuedLength[at]);
        }
        return true;
    }

    /**
     * Looks at each job once, through the first of its members found (a job need not have its rank 0):
     * whether a straggler fails it, and whom it waits for, for the operator's status.
     */
    private void checkStragglers()
    {
        housekeepingRound++;
        for (int member = 0; member < memberJob.length; member++)
        {
            final Job job = memberJob[member];
            if (job != null && job.firstLookIn(housekeepingRound))
            {
                final String reason = job.straggler(nowNs, stragglerTimeoutNs);
                if (reason != null)
                {
                    job.fail(reason);
                    counters.stragglerTimeouts.incrementOrdered(); // once: a failed job has no stragglers
                    tellIfFailed(job);
                }
                job.noteLate(nowNs, LATE_NS);
            }
        }
    }

    private void tellIfFailed(final Job job)
    {
        if (job.notifyFailure())
        {
            counters.jobsFailed.incrementOrdered();
            counters.record(new JobFailure(job.id(), job.failure()));
            LOG.log(System.Logger.Level.WARNING, job.name() + " failed: " + job.failure());
            for (int rank = 0; rank < job.layout().workers(); rank++)
            {
                final int member = job.memberOfRank(rank);
                if (member >= 0)
                {
                    send(member, job.failure());
                }
            }
        }
    }

    /** Every worker of a takeover job said where it stands: each is told where the stream resumes. */
    private void resumeIfAllSaid(final Job job, final long from)
    {
        if (from < 0)
        {
            return;
        }
        counters.takeovers.incrementOrdered();
        LOG.log(System.Logger.Level.WARNING, job.name() + ": taking over a failed aggregator's chunks from position " + from);
        final UnsafeBuffer body = new UnsafeBuffer(new byte[Records.BODY + ControlMessages.RESUME_LENGTH]);
        ControlMessages.putResume(new UnsafeBuffer(body.byteArray(), Records.BODY, ControlMessages.RESUME_LENGTH),
            ControlMessages.RESUMED, from);
        for (int rank = 0; rank < job.layout().workers(); rank++)
        {
            final int member = job.memberOfRank(rank);
            body.putInt(Records.MEMBER, member);
            if (member >= 0 && !egress.write(Records.SEND, body, 0, body.capacity()))
            {
                LOG.log(System.Logger.Level.ERROR, "egress ring full: could not tell member " + member + " where to resume");
            }
        }
    }

    private void send(final int member, final String reason)
    {
        final UnsafeBuffer body = new UnsafeBuffer(new byte[Records.BODY + 1024]);
        body.putInt(Records.MEMBER, member);
        final int length = ControlMessages.putError(new UnsafeBuffer(body.byteArray(), Records.BODY, 1024), 1024, reason);
        if (!egress.write(Records.SEND, body, 0, Records.BODY + length))
        {
            LOG.log(System.Logger.Level.ERROR, "egress ring full: could not tell member " + member + ": " + reason);
        }
    }

    private static String text(final DirectBuffer buffer, final int index, final int length)
    {
        return textAt(buffer, index + Records.TEXT, length - Records.TEXT);
    }

    private static String textAt(final DirectBuffer buffer, final int at, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
