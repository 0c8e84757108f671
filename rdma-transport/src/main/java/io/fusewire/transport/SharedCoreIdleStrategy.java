package io.fusewire.transport;

import io.fusewire.transport.support.TimerSlack;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.IdleStrategy;

/**
 * Waiting for a peer on a host whose cores are shared (more polling threads than cores): spin a
 * few times, then yield the core, for as long as the idleness is short, and park only once it has
 * lasted. A yield lets a thread with work run at once and costs a waiting thread no timer; a park
 * sleeps at least the kernel's timer slack (about 50 us), which a message would wait for at every
 * hop, so it is kept for long idleness (between jobs, during a training step's compute), where it
 * frees the core for good. Before its first park the thread asks for a timer slack of 1 us
 * ({@link TimerSlack}), so that a park of a few microseconds lasts about that long.
 *
 * <pre>
 *   idle call:   1 .. spins       spins+1 .. (idle for yieldNs)      then
 *                onSpinWait       Thread.yield                        park 1 us, 2 us, ... maxParkNs
 * </pre>
 *
 * Not thread-safe: one per polling thread.
 */
public final class SharedCoreIdleStrategy implements IdleStrategy
{
    private static final long MIN_PARK_NS = 1_000;

    private final int spins;
    private final long yieldNs;
    private final long maxParkNs;
    private int spun;
    private long idleSinceNs;
    private long parkNs = MIN_PARK_NS;
    private boolean slackSet;

    /**
     * @param spins     busy spins before the first yield.
     * @param yieldNs   how long idleness is yielded through before parking.
     * @param maxParkNs the longest park.
     */
    public SharedCoreIdleStrategy(final int spins, final long yieldNs, final long maxParkNs)
    {
        if (spins < 0 || yieldNs < 0 || maxParkNs < MIN_PARK_NS)
        {
            throw new IllegalArgumentException("idle strategy needs spins >= 0, yield ns >= 0 and max park ns >= " + MIN_PARK_NS
                + "; got " + spins + ", " + yieldNs + ", " + maxParkNs);
        }
        this.spins = spins;
        this.yieldNs = yieldNs;
        this.maxParkNs = maxParkNs;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (spun < spins)
        {
            spun++;
            Thread.onSpinWait();
            return;
        }
        final long nowNs = System.nanoTime();
        if (spun == spins)
        {
            spun++;
            idleSinceNs = nowNs;
        }
        if (nowNs - idleSinceNs < yieldNs)
        {
            Thread.yield();
            return;
        }
        if (!slackSet)
        {
            slackSet = true;
            TimerSlack.tighten();
        }
        LockSupport.parkNanos(parkNs);
        parkNs = Math.min(parkNs << 1, maxParkNs);
    }

    @Override
    public void reset()
    {
        spun = 0;
        parkNs = MIN_PARK_NS;
    }

    /** @return true once idleness has lasted past the yield phase (the next idle parks). */
    boolean isParking()
    {
        return spun > spins && System.nanoTime() - idleSinceNs >= yieldNs;
    }

    @Override
    public String alias()
    {
        return "shared-core";
    }
}
