package io.fusewire.fusion.fuse;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * When to cut: at once while the pipe is idle (waiting gains nothing), else by the dual threshold:
 * when the waiting tensors of some kind fill a batch to the threshold, or when the oldest has waited
 * the deadline. After an agreement that cut nothing (the other workers did not have the tensors
 * yet) it holds off for a deadline, so that empty agreements do not follow one another back to back.
 */
final class Triggers
{
    private static final long MIN_QUIET_NS = 50_000;

    private final long fillBytes;
    private final long deadlineNs;
    private final long[] waitingBytes = new long[Pending.KINDS];
    private long quietUntilNs;

    /**
     * @param context  the fill threshold and deadline.
     * @param capacity the bytes a batch may hold, which the threshold is a fraction of.
     */
    Triggers(final FusionContext context, final long capacity)
    {
        this.fillBytes = (long)(context.fillThreshold() * capacity);
        this.deadlineNs = TimeUnit.MICROSECONDS.toNanos(context.deadlineMicros());
    }

    void added(final Pending pending)
    {
        waitingBytes[pending.kind()] += pending.padded();
    }

    void removed(final Pending pending)
    {
        waitingBytes[pending.kind()] -= pending.padded();
    }

    void clear()
    {
        Arrays.fill(waitingBytes, 0);
    }

    /**
     * @param oldest the oldest waiting tensor of any kind, or null.
     * @param nowNs  now.
     * @param idle   no batch is in flight.
     * @return true if the pipe is idle, some kind fills the threshold or the oldest waited the deadline.
     */
    boolean firesAny(final Pending oldest, final long nowNs, final boolean idle)
    {
        if (oldest == null || nowNs - quietUntilNs < 0)
        {
            return false;
        }
        if (idle || nowNs - oldest.arrivalNs() >= deadlineNs)
        {
            return true;
        }
        for (final long bytes : waitingBytes)
        {
            if (bytes >= fillBytes)
            {
                return true;
            }
        }
        return false;
    }

    /** An agreement ended; {@code empty} when it cut nothing. */
    void cut(final boolean empty)
    {
        if (empty)
        {
            quietUntilNs = System.nanoTime() + Math.max(MIN_QUIET_NS, deadlineNs);
        }
    }
}
