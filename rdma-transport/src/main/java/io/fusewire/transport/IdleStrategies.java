package io.fusewire.transport;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The idle strategy of every Fusewire polling thread (workers, aggregators, fusion, baselines):
 * spin, then yield, then park. These hosts are often oversubscribed, so a thread gives its core up
 * soon; yields come before parks because a park sleeps at least the kernel's timer slack (about
 * 50 us), which a message waits for at every hop. Tunable per process:
 * {@code fusewire.idle.spins}, {@code fusewire.idle.yields}, {@code fusewire.idle.max.park.ns}.
 */
public final class IdleStrategies
{
    /** Busy spins before yielding. */
    public static final String SPINS_PROP = "fusewire.idle.spins";
    /** Yields before parking. */
    public static final String YIELDS_PROP = "fusewire.idle.yields";
    /** Longest park, nanoseconds. */
    public static final String MAX_PARK_PROP = "fusewire.idle.max.park.ns";

    private IdleStrategies()
    {
    }

    /** @return a new backoff strategy with this process's settings. */
    public static IdleStrategy backoff()
    {
        final java.util.Properties p = System.getProperties();
        return new BackoffIdleStrategy(ConfigValues.longValue(p, SPINS_PROP, 100), ConfigValues.longValue(p, YIELDS_PROP, 1_000),
            1_000, ConfigValues.longValue(p, MAX_PARK_PROP, 50_000));
    }
}
