package io.fusewire.fusion.worker;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;

/**
 * One AllReduce handed to the worker agent: reduce {@link #data()} in place, then say how it
 * ended through {@link #complete()} or {@link #fail}, once, on the thread that drove it. A
 * common-prefix collective ({@link #isCommonPrefix()}) is one chunk whose length may differ from
 * worker to worker; its result is as long as the shortest contribution ({@link #reducedBytes()}).
 */
public abstract class Collective
{
    private MemorySegment data;
    private DataType type;
    private ReduceOp op;
    private long submittedNs;
    private boolean commonPrefix;
    private long reducedBytes;

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
        this.commonPrefix = false;
        this.reducedBytes = data.byteSize();
    }

    /** Makes this, once set, a common-prefix collective. */
    protected final void commonPrefix()
    {
        this.commonPrefix = true;
    }

    /** @return true if the workers may contribute different lengths, the shortest setting the result's. */
    public final boolean isCommonPrefix()
    {
        return commonPrefix;
    }

    /** @return the bytes at the start of {@link #data()} that hold the result: all of them but for a common prefix. */
    public final long reducedBytes()
    {
        return reducedBytes;
    }

    /** A common-prefix collective's result is this long. */
    final void reduced(final long bytes)
    {
        this.reducedBytes = bytes;
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
