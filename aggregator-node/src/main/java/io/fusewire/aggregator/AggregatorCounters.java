package io.fusewire.aggregator;

import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The daemon's counters, one writer each (the reduce agent, or admission for the join ones), and
 * its distinct error log: every job failure and agent error, once per kind, with a count.
 */
final class AggregatorCounters
{
    /** Labels of the chunk latency histogram's counters start with this. */
    static final String LATENCY = "chunk latency";
    /**
     * Upper bounds, in microseconds, of the histogram of a chunk's latency here: from its first
     * contribution's arrival to its sum being ready (waiting for the other workers, then summing).
     */
    static final long[] LATENCY_BOUNDS_US = {10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 1_000_000};

    final DistinctErrorLog errors;
    final AtomicCounter bytesIn;
    final AtomicCounter bytesOut;
    final AtomicCounter chunksReduced;
    final AtomicCounter staleWrites;
    final AtomicCounter jobsAdmitted;
    final AtomicCounter jobsFailed;
    final AtomicCounter joinsRefused;
    final AtomicCounter bytesUp;
    final AtomicCounter bytesDown;
    final AtomicCounter acrossOut;
    final AtomicCounter acrossIn;
    final AtomicCounter storeRefused;
    final AtomicCounter takeovers;
    final AtomicCounter finalsTaken;
    final AtomicCounter stragglerTimeouts;
    /** Per bound of {@link #LATENCY_BOUNDS_US}, then beyond the last: chunks whose latency fell there (not cumulative). */
    final AtomicCounter[] latencyBuckets;
    final AtomicCounter latencySumNs;

    AggregatorCounters(final CountersFile file)
    {
        errors = new DistinctErrorLog(file.errors(), SystemEpochClock.INSTANCE);
        final CountersManager manager = new CountersManager(file.metadata(), file.values());
        bytesIn = manager.newCounter("bytes in (chunks received)");
        bytesOut = manager.newCounter("bytes out (results written, or read in place)");
        chunksReduced = manager.newCounter("chunks reduced");
        staleWrites = manager.newCounter("stale or duplicate writes ignored");
        jobsAdmitted = manager.newCounter("jobs admitted");
        jobsFailed = manager.newCounter("jobs failed");
        joinsRefused = manager.newCounter("joins refused");
        bytesUp = manager.newCounter("bytes up (rack sums sent to tier-2 owners)");
        bytesDown = manager.newCounter("bytes down (tier-2 totals received)");
        acrossOut = manager.newCounter("bytes across racks out (rack sums to other racks' owners, totals to other racks)");
        acrossIn = manager.newCounter("bytes across racks in (rack sums from other racks, totals from other racks' owners)");
        storeRefused = manager.newCounter("store clients refused (wrong secret, no proof in time, too many connections)");
        takeovers = manager.newCounter("failovers taken over (a failed aggregator's chunks resumed here)");
        finalsTaken = manager.newCounter("final results resent after a failover (passed on, not summed)");
        stragglerTimeouts = manager.newCounter("straggler timeouts (jobs failed for a worker that sent nothing in time)");
        latencyBuckets = new AtomicCounter[LATENCY_BOUNDS_US.length + 1];
        for (int b = 0; b < latencyBuckets.length; b++)
        {
            latencyBuckets[b] = manager.newCounter(LATENCY + " le " + (b < LATENCY_BOUNDS_US.length ? LATENCY_BOUNDS_US[b] : "inf")
                + " us (chunks: first contribution in to sum ready)");
        }
        latencySumNs = manager.newCounter(LATENCY + " sum ns (of every chunk's latency)");
    }

    /** A chunk's sum is ready, {@code ns} after its first contribution came in. Reduce agent only. */
    void chunkLatency(final long ns)
    {
        final long us = ns / 1_000;
        int bucket = 0;
        while (bucket < LATENCY_BOUNDS_US.length && us > LATENCY_BOUNDS_US[bucket])
        {
            bucket++;
        }
        latencyBuckets[bucket].incrementOrdered();
        latencySumNs.getAndAddOrdered(ns);
    }

    /**
     * Records an error in the log {@code fusewire stat --errors} reads.
     *
     * @param error what happened.
     */
    void record(final Throwable error)
    {
        errors.record(error);
    }
}
