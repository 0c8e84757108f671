package io.fusewire.fusion.worker;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;

/**
 * A collective for a caller that drives it to the end on its own thread: one per caller thread,
 * reused, so a blocking collective allocates nothing. Its end is a flag the caller polls between
 * duty cycles (written by whichever thread drove the last one, under the progress turn).
 */
public final class BlockingCollective extends Collective
{
    private volatile boolean done;
    private String failure;

    /**
     * Readies this for another collective.
     *
     * @param data the elements, overwritten with the result.
     * @param type their type.
     * @param op   the operator.
     * @return this.
     */
    public BlockingCollective reset(final MemorySegment data, final DataType type, final ReduceOp op)
    {
        set(data, type, op);
        failure = null;
        done = false;
        return this;
    }

    /** @return true once the collective completed or failed. */
    public boolean isDone()
    {
        return done;
    }

    /** @return why it failed, or null if it completed; read after {@link #isDone()}. */
    public String failure()
    {
        return failure;
    }

    @Override
    protected void complete()
    {
        done = true;
    }

    @Override
    protected void fail(final String reason)
    {
        failure = reason;
        done = true;
    }
}
