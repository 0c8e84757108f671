package io.fusewire.aggregator;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/** The daemon's counters, one writer each (the reduce agent, or admission for the join ones). */
final class AggregatorCounters
{
    final AtomicCounter bytesIn;
    final AtomicCounter bytesOut;
    final AtomicCounter chunksReduced;
    final AtomicCounter staleWrites;
    final AtomicCounter jobsAdmitted;
    final AtomicCounter jobsFailed;
    final AtomicCounter joinsRefused;

    AggregatorCounters(final CountersFile file)
    {
        final CountersManager manager = new CountersManager(file.metadata(), file.values());
        bytesIn = manager.newCounter("bytes in (chunks received)");
        bytesOut = manager.newCounter("bytes out (results written)");
        chunksReduced = manager.newCounter("chunks reduced");
        staleWrites = manager.newCounter("stale or duplicate writes ignored");
        jobsAdmitted = manager.newCounter("jobs admitted");
        jobsFailed = manager.newCounter("jobs failed");
        joinsRefused = manager.newCounter("joins refused");
    }
}
