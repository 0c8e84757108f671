package io.fusewire.transport;

import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The idle strategies of Fusewire's polling threads (workers, aggregators, fusion, baselines).
 * These hosts are often oversubscribed, so by default a waiting thread spins briefly, then yields
 * its core, and parks only after a long idleness ({@link SharedCoreIdleStrategy}): measured on 2
 * cores with two workers and an aggregator, this about doubled AllReduce bandwidth up to 128 KiB
 * against 100 spins, 1000 yields and then parks, and left larger sizes within the spread (README,
 * "Wait policy"). Tunable
 * per process: {@code fusewire.idle.spins}, {@code fusewire.idle.yield.ns},
 * {@code fusewire.idle.max.park.ns}. A thread that owns a core may busy-spin instead ({@link #busySpin}).
 */
public final class IdleStrategies
{
    /** Busy spins before yielding. */
    public static final String SPINS_PROP = "fusewire.idle.spins";
    /** Nanoseconds of idleness yielded through before parking. */
    public static final String YIELD_NS_PROP = "fusewire.idle.yield.ns";
    /** Longest park, nanoseconds. */
    public static final String MAX_PARK_PROP = "fusewire.idle.max.park.ns";

    private IdleStrategies()
    {
    }

    /** @return a new shared-core strategy with this process's settings. */
    public static IdleStrategy sharedCore()
    {
        final java.util.Properties p = System.getProperties();
        return new SharedCoreIdleStrategy(ConfigValues.intValue(p, SPINS_PROP, 10), ConfigValues.longValue(p, YIELD_NS_PROP, 1_000_000),
            ConfigValues.longValue(p, MAX_PARK_PROP, 50_000));
    }

    /** @return a strategy that never gives the core up, for a thread pinned to a core of its own. */
    public static IdleStrategy busySpin()
    {
        return new BusySpinIdleStrategy();
    }
}
