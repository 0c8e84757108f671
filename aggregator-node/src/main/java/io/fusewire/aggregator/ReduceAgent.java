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
    private static final int QUEUE = 1 << 14;

    private final JobTable jobs;
    private final RingBuffer ingress;
    private final RingBuffer egress;
    private final long stragglerTimeoutNs;
    private final Job[] memberJob = new Job[SharedTables.MAX_MEMBERS];
    private final int[] memberRank = new int[SharedTables.MAX_MEMBERS];
    private final MessageHandler onIngress = this::onIngress;
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
        final Job job = memberJob[SharedTables.slot(member)];
        if (job == null)
        {
            return;
        }
        final int rank = memberRank[SharedTables.slot(member)];
        switch (type)
        {
            case Records.ARRIVED -> onSlot(job, job.onChunk(rank, buffer.getInt(index + Records.ARRIVED_IMMEDIATE),
                buffer.getInt(index + Records.ARRIVED_BYTES), nowNs));
            case Records.WRITTEN ->
            {
                final int slot = buffer.getInt(index + Records.WRITTEN_SLOT);
                onSlot(job, job.slots().onResultWritten(slot) ? slot : -1);
            }
            case Records.MESSAGE ->
            {
                message.wrap(buffer, index + Records.BODY, length - Records.BODY);
                if (ControlMessages.type(message) == ControlMessages.BEGIN && length - Records.BODY >= ControlMessages.BEGIN_LENGTH)
                {
                    job.onBegin(rank, ControlMessages.beginSequence(message), ControlMessages.beginCount(message),
                        ControlMessages.beginDtype(message), ControlMessages.beginOp(message));
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
            LOG.log(System.Logger.Level.INFO, "admitted job " + jobId + ": " + job.layout().workers() + " workers, window "
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
            final int at = (int)(queueTail & (QUEUE - 1));
            queuedJob[at] = job;
            queuedSlot[at] = slot;
            final SlotPool slots = job.slots();
            queuedRegion[at] = job.resultRegionId(slot);
            queuedOffset[at] = slots.resultOffset(slot);
            queuedLength[at] = slots.resultLength(slot);
            queuedImmediate[at] = slots.resultImmediate(slot);
            queueTail++;
            slots.release(slot);
        }
        else if (slot == -2)
        {
            tellIfFailed(job);
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
                    job.slots().onResultWritten(queuedSlot[at]);
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
        final int index = egress.tryClaim(Records.RESULT, Records.RESULT_LENGTH);
        if (index < 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = egress.buffer();
        buffer.putInt(index + Records.MEMBER, member);
        buffer.putInt(index + Records.RESULT_REGION, queuedRegion[at]);
        buffer.putLong(index + Records.RESULT_OFFSET, queuedOffset[at]);
        buffer.putInt(index + Records.RESULT_BYTES, job.slots().readsInPlace() ? 0 : queuedLength[at]);
        buffer.putInt(index + Records.RESULT_IMMEDIATE, queuedImmediate[at]);
        buffer.putLong(index + Records.RESULT_REMOTE_OFFSET,
            job.layout().windowOffset(job.aggregatorIndex(), queuedSlot[at]));
        buffer.putInt(index + Records.RESULT_SLOT, queuedSlot[at]);
        egress.commit(index);
        counters.bytesOut.getAndAddOrdered(queuedLength[at]);
        return true;
    }

    /** Looks at each job through every member it has (a job need not have its rank 0), so the first one fails it. */
    private void checkStragglers()
    {
        for (int member = 0; member < memberJob.length; member++)
        {
            final Job job = memberJob[member];
            if (job != null)
            {
                final String reason = job.straggler(nowNs, stragglerTimeoutNs);
                if (reason != null)
                {
                    job.fail(reason);
                    tellIfFailed(job);
                }
            }
        }
    }

    private void tellIfFailed(final Job job)
    {
        if (job.notifyFailure())
        {
            counters.jobsFailed.incrementOrdered();
            counters.record(new JobFailure(job.id(), job.failure()));
            LOG.log(System.Logger.Level.WARNING, "job " + job.id() + " failed: " + job.failure());
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
        final byte[] bytes = new byte[length - Records.TEXT];
        buffer.getBytes(index + Records.TEXT, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
