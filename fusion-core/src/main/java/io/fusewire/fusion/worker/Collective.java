package io.fusewire.fusion.worker;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;

/**
 * One AllReduce handed to the worker agent: reduce {@link #data()} in place, then say how it
 * ended through {@link #complete()} or {@link #fail}, once, on the thread that drove it.
 */
public abstract class Collective
{
    private MemorySegment data;
    private DataType type;
    private ReduceOp op;
    private long submittedNs;

    /**
     * Names the work; a reused collective is set again before each submission.
     *
     * @param data the elements, overwritten with the result.
     * @param type their type.
     * @param op   the operator.
     */
    protected final void set(final MemorySegment data, final DataType type, final ReduceOp op)
    {
        this.data = data;
        this.type = type;
        this.op = op;
        this.submittedNs = System.nanoTime();
    }

    /** @return when it was submitted, {@link System#nanoTime()}. */
    public final long submittedNs()
    {
        return submittedNs;
    }

    /** @return the elements. */
    public final MemorySegment data()
    {
        return data;
    }

    /** @return their type. */
    public final DataType type()
    {
        return type;
    }

    /** @return the operator. */
    public final ReduceOp op()
    {
        return op;
    }

    /** The result is in {@link #data()}. */
    protected abstract void complete();

    /**
     * The collective cannot complete.
     *
     * @param reason what failed, in words.
     */
    protected abstract void fail(String reason);
}
