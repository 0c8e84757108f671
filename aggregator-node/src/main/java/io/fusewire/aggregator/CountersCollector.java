package io.fusewire.aggregator;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The daemon's counters as Prometheus metrics, read from its counters file at each scrape (the
 * agents never see a scrape). Each counter is named from its label up to the explanation in
 * brackets: "bytes in (chunks received)" is {@code fusewire_aggregator_bytes_in_total}; beside them
 * the gauge {@code fusewire_aggregator_jobs_active} and, per job being served (labels {@code job},
 * {@code tier}), {@code fusewire_aggregator_job_bytes_in_total} and {@code _job_chunks_reduced_total}:
 * a job's bandwidth through this daemon is the rate of the first; and the histogram
 * {@code fusewire_aggregator_chunk_latency_seconds} of each chunk's time here.
 */
final class CountersCollector implements MultiCollector
{
    private static final String PREFIX = "fusewire_aggregator_";

    private final CountersFile counters;
    private final Supplier<List<JobTable.JobMetrics>> jobs;

    CountersCollector(final CountersFile counters, final Supplier<List<JobTable.JobMetrics>> jobs)
    {
        this.counters = counters;
        this.jobs = jobs;
    }

    @Override
    public MetricSnapshots collect()
    {
        final List<MetricSnapshot> metrics = new ArrayList<>();
        final long[] buckets = new long[AggregatorCounters.LATENCY_BOUNDS_US.length + 1];
        final long[] latencySumNs = new long[1];
        counters.forEach((label, value) ->
        {
            if (label.startsWith(AggregatorCounters.LATENCY))
            {
                latency(label, value, buckets, latencySumNs);
            }
            else
            {
                metrics.add(CounterSnapshot.builder().name(name(label)).help(label)
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build());
            }
        });
        final double[] bounds = new double[buckets.length];
        for (int b = 0; b < bounds.length; b++)
        {
            bounds[b] = b < AggregatorCounters.LATENCY_BOUNDS_US.length ? AggregatorCounters.LATENCY_BOUNDS_US[b] / 1e6 : Double.POSITIVE_INFINITY;
        }
        metrics.add(HistogramSnapshot.builder().name(PREFIX + "chunk_latency_seconds")
            .help("a chunk's time here: from its first contribution's arrival to its sum being ready (waiting for the others, then summing)")
            .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, buckets))
                .sum(latencySumNs[0] / 1e9).build()).build());
        final List<JobTable.JobMetrics> active = jobs.get();
        metrics.add(GaugeSnapshot.builder().name(PREFIX + "jobs_active").help("jobs being served (tier-2 sides counted apart)")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(active.size()).build()).build());
        final CounterSnapshot.Builder bytes = CounterSnapshot.builder().name(PREFIX + "job_bytes_in").help("bytes of chunks a job sent here");
        final CounterSnapshot.Builder chunks = CounterSnapshot.builder().name(PREFIX + "job_chunks_reduced").help("chunks of a job summed here");
        for (final JobTable.JobMetrics job : active)
        {
            final Labels labels = Labels.of("job", Long.toString(job.id()), "tier", Integer.toString(job.tier()));
            bytes.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(job.bytesIn()).build());
            chunks.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(job.chunks()).build());
        }
        metrics.add(bytes.build());
        metrics.add(chunks.build());
        return new MetricSnapshots(metrics);
    }

    /** Files one of the latency histogram's counters: a bucket ("chunk latency le 50 us ...", "le inf") or the sum. */
    private static void latency(final String label, final long value, final long[] buckets, final long[] sumNs)
    {
        final String rest = label.substring(AggregatorCounters.LATENCY.length()).trim();
        if (rest.startsWith("sum"))
        {
            sumNs[0] = value;
            return;
        }
        final String bound = rest.substring("le ".length(), rest.indexOf(' ', "le ".length()));
        final int index = bound.equals("inf") ? buckets.length - 1 : Arrays.binarySearch(AggregatorCounters.LATENCY_BOUNDS_US,
            Long.parseLong(bound));
        if (index >= 0)
        {
            buckets[index] = value;
        }
    }

    /** @return the metric name of a counter's label (without the _total the exposition adds). */
    static String name(final String label)
    {
        final int bracket = label.indexOf(" (");
        return PREFIX + (bracket < 0 ? label : label.substring(0, bracket)).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }
}
