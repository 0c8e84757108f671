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
