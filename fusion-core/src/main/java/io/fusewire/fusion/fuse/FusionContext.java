package io.fusewire.fusion.fuse;

/**
 * Settings of {@link TensorFusion}: the dual threshold (fill or deadline), the buffers and how
 * long a batch may wait for the other workers to agree.
 */
public final class FusionContext
{
    private long bufferBytes = 4L << 20;
    private int buffers = 4;
    private double fillThreshold = 0.75;
    private long deadlineMicros = 250;
    private long agreementTimeoutMs = 30_000;
    private boolean matchByName;
    private boolean fireWhenIdle = true;

    /**
     * Checks the settings.
     *
     * @return this.
     * @throws IllegalArgumentException naming the wrong one.
     */
    public FusionContext conclude()
    {
        if (Long.bitCount(bufferBytes) != 1 || bufferBytes < 4096)
        {
            throw new IllegalArgumentException("fusion buffer of " + bufferBytes + " bytes: use a power of two of at least 4096");
        }
        if (buffers < 1 || fillThreshold <= 0 || fillThreshold > 1 || deadlineMicros < 0 || agreementTimeoutMs < 1)
        {
            throw new IllegalArgumentException("fusion needs at least one buffer, a fill threshold in (0, 1], a deadline >= 0 and a"
                + " positive agreement timeout; got " + buffers + ", " + fillThreshold + ", " + deadlineMicros + " us, "
                + agreementTimeoutMs + " ms");
        }
        return this;
    }

    /**
     * @return bytes of a fusion buffer (a power of two). Tensors submitted in order fuse into batches
     *     of at most one of the communicator's chunks ({@code Communicator.commonPrefixLimit()}) when
     *     that is smaller; the fill threshold is a fraction of what a batch may hold.
     */
    public long bufferBytes()
    {
        return bufferBytes;
    }

    /**
     * @param bytes bytes of a fusion buffer, a power of two.
     * @return this.
     */
    public FusionContext bufferBytes(final long bytes)
    {
        this.bufferBytes = bytes;
        return this;
    }

    /** @return buffers in the fixed pool; more are borrowed from host memory under bursts. */
    public int buffers()
    {
        return buffers;
    }

    /**
     * @param count buffers in the fixed pool.
     * @return this.
     */
    public FusionContext buffers(final int count)
    {
        this.buffers = count;
        return this;
    }

    /** @return the fill fraction of a buffer that fires a batch (0.75 as in ViFusion). */
    public double fillThreshold()
    {
        return fillThreshold;
    }

    /**
     * @param fraction the fill fraction that fires a batch.
     * @return this.
     */
    public FusionContext fillThreshold(final double fraction)
    {
        this.fillThreshold = fraction;
        return this;
    }

    /**
     * @return how long the oldest waiting tensor may wait before its batch fires anyway. The
     *     default, 250 us, was measured with {@code perf fusion} (2 workers, shm, 4-64 KiB queries at
     *     80% of the sync capacity): p50 1.1 ms against 2.6 ms at 1 ms and 5.1 ms at 5 ms, p99 alike.
     *     ViFusion's 150 ms would hold every query far longer than a collective takes here.
     */
    public long deadlineMicros()
    {
        return deadlineMicros;
    }

    /**
     * @param micros the deadline, microseconds (ViFusion uses 150 ms, Horovod cycles of 1 ms).
     * @return this.
     */
    public FusionContext deadlineMicros(final long micros)
    {
        this.deadlineMicros = micros;
        return this;
    }

    /**
     * @return true when tensors are submitted with names and matched by name across workers, so
     *     that each worker may submit them in any order (from many threads); false when every
     *     worker submits the same tensors in the same order (cheaper: the aggregator settles each
     *     cut, no collective of its own).
     */
    public boolean matchByName()
    {
        return matchByName;
    }

    /**
     * @param byName see {@link #matchByName()}.
     * @return this.
     */
    public FusionContext matchByName(final boolean byName)
    {
        this.matchByName = byName;
        return this;
    }

    /**
     * @return true (the default) when a tensor goes at once while no batch is in flight (tensors
     *     matched by name: none for a deadline), the fill threshold and deadline applying only
     *     while the pipe is busy (as TCP's Nagle); false for the dual threshold alone, which makes
     *     a lone tensor wait the deadline.
     */
    public boolean fireWhenIdle()
    {
        return fireWhenIdle;
    }

    /**
     * @param idle see {@link #fireWhenIdle()}.
     * @return this.
     */
    public FusionContext fireWhenIdle(final boolean idle)
    {
        this.fireWhenIdle = idle;
        return this;
    }

    /** @return how long a batch of tensors matched by name may wait for every worker to agree on it. */
    public long agreementTimeoutMs()
    {
        return agreementTimeoutMs;
    }

    /**
     * @param ms how long a batch may wait for every worker to agree on it.
     * @return this.
     */
    public FusionContext agreementTimeoutMs(final long ms)
    {
        this.agreementTimeoutMs = ms;
        return this;
    }
}
