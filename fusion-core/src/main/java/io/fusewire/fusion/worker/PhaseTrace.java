package io.fusewire.fusion.worker;

/**
 * Where a worker's collectives spend their time, when tracing is on: cumulative nanoseconds per
 * phase, so that the next bottleneck is measured rather than guessed.
 *
 * <pre>
 *   submitted --handoff--> started --first write--> first chunk posted --writing--> last chunk posted
 *       --draining--> last result in (complete)
 *   and per chunk: posted --turnaround--> its result in (the other workers, the sum, the way back)
 * </pre>
 *
 * Written by whichever thread drives the worker's agent; read after a collective completed (its
 * completion orders the writes before the read).
 */
public final class PhaseTrace
{
    private final long[] postedAt;
    private long collectives;
    private long handoffNs;
    private long firstWriteNs;
    private long writingNs;
    private long drainingNs;
    private long chunks;
    private long turnaroundNs;
    private long startedAt;
    private long firstWriteAt;
    private long lastWriteAt;

    /**
     * The totals so far.
     *
     * @param collectives  collectives completed.
     * @param handoffNs    submitted to started (a queue crossed to another thread, or none).
     * @param firstWriteNs started to the first chunk posted.
     * @param writingNs    first chunk posted to the last.
     * @param drainingNs   last chunk posted to the last result in.
     * @param chunks       chunks answered.
     * @param turnaroundNs chunk posted to its result in, summed over chunks.
     */
    public record Totals(long collectives, long handoffNs, long firstWriteNs, long writingNs, long drainingNs, long chunks,
        long turnaroundNs)
    {
        /**
         * @param before totals taken earlier.
         * @return what happened since.
         */
        public Totals minus(final Totals before)
        {
            return new Totals(collectives - before.collectives, handoffNs - before.handoffNs, firstWriteNs - before.firstWriteNs,
                writingNs - before.writingNs, drainingNs - before.drainingNs, chunks - before.chunks,
                turnaroundNs - before.turnaroundNs);
        }
    }

    /** @param slots the worker's slots over all aggregators. */
    PhaseTrace(final int slots)
    {
        postedAt = new long[slots];
    }

    /** @return the totals so far; call after a collective completed. */
    public Totals totals()
    {
        return new Totals(collectives, handoffNs, firstWriteNs, writingNs, drainingNs, chunks, turnaroundNs);
    }

    void started(final long submittedNs, final long nowNs)
    {
        handoffNs += nowNs - submittedNs;
        startedAt = nowNs;
        firstWriteAt = 0;
    }

    void posted(final int slot, final long nowNs)
    {
        if (firstWriteAt == 0)
        {
            firstWriteAt = nowNs;
            firstWriteNs += nowNs - startedAt;
        }
        lastWriteAt = nowNs;
        postedAt[slot] = nowNs;
    }

    void answered(final int slot, final long nowNs)
    {
        chunks++;
        turnaroundNs += nowNs - postedAt[slot];
    }

    void finished(final long nowNs)
    {
        collectives++;
        if (firstWriteAt != 0)
        {
            writingNs += lastWriteAt - firstWriteAt;
            drainingNs += nowNs - lastWriteAt;
        }
    }
}
