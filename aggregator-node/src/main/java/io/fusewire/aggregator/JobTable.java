package io.fusewire.aggregator;

import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.transport.Admission;
import io.fusewire.transport.Device;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs this daemon serves, and the admission of every connect request: a worker is admitted
 * only with the job's secret and the job's layout, and only once per rank. The first join of a job
 * creates it and its memory; the last member to leave retires it.
 */
final class JobTable implements Admission
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.aggregator");

    private final Map<Long, Job> jobs = new ConcurrentHashMap<>();
    private final Device device;
    private final SharedTables tables;
    private final int maxJobs;
    private final AggregatorCounters counters;
    private final UplinkDialer dialer;

    JobTable(final Device device, final SharedTables tables, final int maxJobs, final AggregatorCounters counters, final UplinkDialer dialer)
    {
        this.device = device;
        this.tables = tables;
        this.maxJobs = maxJobs;
        this.counters = counters;
        this.dialer = dialer;
    }

    @Override
    public synchronized List<MemoryRegion> admit(final String peer, final byte[] challenge, final byte[] privateData)
    {
        try
        {
            return claim(peer, challenge, privateData);
        }
        catch (final TransportException ex)
        {
            counters.joinsRefused.increment();
            throw ex;
        }
    }

    private List<MemoryRegion> claim(final String peer, final byte[] challenge, final byte[] privateData)
    {
        final JoinRequest.Signed signed;
        try
        {
            signed = JoinRequest.decode(privateData);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new TransportException("malformed join request: " + ex.getMessage());
        }
        final JoinRequest join = signed.join();
        Job job = jobs.get(join.jobId());
        if (job == null)
        {
            if (signed.key() == null)
            {
                throw new Admission.AskAgain("job " + join.jobId() + " " + JoinRequest.NEW_JOB); // the worker sends it, once
            }
            if (!signed.provedWith(signed.key(), challenge))
            {
                throw new TransportException("join of job " + join.jobId() + " did not prove the key it sent");
            }
            if (dialer.plan() != null && (join.jobId() & JoinRequest.FAILOVER) != 0)
            {
                throw new TransportException("this aggregator is a rack aggregator of two tiers: it cannot take over another's chunks"
                    + " (a failed rack aggregator fails its job; give the workers no standbys)");
            }
            if (jobs.size() >= maxJobs)
            {
                throw new TransportException("this aggregator already serves " + maxJobs + " jobs (fusewire.aggregator.max.jobs)");
            }
            job = create(join, signed.key());
            jobs.put(join.jobId(), job);
        }
        final String refusal = job.claim(signed, challenge, peer);
        if (refusal != null)
        {
            throw new TransportException(refusal);
        }
        return job.regions();
    }

    @Override
    public synchronized void abandoned(final String peer, final byte[] privateData)
    {
        final JoinRequest join = JoinRequest.decode(privateData).join();
        final Job job = jobs.get(join.jobId());
        if (job != null)
        {
            job.unclaim(join.rank());
        }
    }

    Job get(final long jobId)
    {
        return jobs.get(jobId);
    }

    int size()
    {
        return jobs.size();
    }

    /**
     * What a job has done so far, for the operator's metrics.
     *
     * @param id      the job id (without the tier-2 bit).
     * @param tier    1, or 2 for the racks' side of a hierarchical job.
     * @param bytesIn bytes of chunks received.
     * @param chunks  chunks summed.
     */
    record JobMetrics(long id, int tier, long bytesIn, long chunks)
    {
    }

    /** @return each job being served with what it has done; from any thread. */
    List<JobMetrics> metrics()
    {
        return jobs.values().stream().sorted(Comparator.comparingLong(Job::id)).map(job -> new JobMetrics(job.id() & ~Uplinks.TIER2,
            (job.id() & Uplinks.TIER2) != 0 ? 2 : 1, job.slots().bytesIn(), job.slots().chunksReduced())).toList();
    }

    /** @return each job being served, a line each ({@link Job#describe}); from any thread. */
    List<String> describe()
    {
        return jobs.values().stream().sorted(Comparator.comparingLong(Job::id)).map(Job::describe).toList();
    }

    /** Removes a job whose members all left, and frees its memory. */
    synchronized void retire(final Job job)
    {
        if (jobs.remove(job.id(), job))
        {
            job.regionIds().forEach(tables::removeRegion);
            job.regions().forEach(MemoryRegion::close);
        }
    }

    /** Frees every job's memory; the daemon is closing. */
    synchronized void close()
    {
        List.copyOf(jobs.values()).forEach(this::retire);
    }

    private Job create(final JoinRequest join, final byte[] key)
    {
        final SlotLayout layout = SlotLayout.of(join);
        final MemoryRegion inbox = device.allocate(layout.inboxBytes());
        final MemoryRegion accumulators = device.allocate(layout.accumulatorBytes());
        final MemoryRegion results = device.allocate(layout.resultAreaBytes());
        final int accumulatorsId = tables.addRegion(accumulators);
        final int resultsId = tables.addRegion(results);
        if (accumulatorsId < 0 || resultsId < 0)
        {
            inbox.close();
            accumulators.close();
            results.close();
            throw new TransportException("this aggregator has no room for another job's regions");
        }
        LOG.log(System.Logger.Level.DEBUG, "job " + join.jobId() + " created by " + join);
        final Job job = new Job(join, key, inbox, accumulators, results, accumulatorsId, resultsId, counters);
        final UplinkDialer.Plan second = dialer.plan();
        if (second != null && (join.jobId() & Uplinks.TIER2) == 0)
        {
            final MemoryRegion window = device.allocate(Uplinks.upLayout(layout, second.owners().size()).windowBytes());
            final int windowId = tables.addRegion(window);
            job.uplinks(new Uplinks(job, second.rack(), second.owners().size(), window, windowId, counters));
            dialer.dial(join.jobId(), key, layout, second, window);
        }
        else if (second != null)
        {
            job.localRack(second.rack());
        }
        return job;
    }
}
