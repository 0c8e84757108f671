package io.fusewire.aggregator;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * The daemon's counters as Prometheus metrics, read from its counters file at each scrape (the
 * agents never see a scrape). Each counter is named from its label up to the explanation in
 * brackets: "bytes in (chunks received)" is {@code fusewire_aggregator_bytes_in_total}; beside them
 * the gauge {@code fusewire_aggregator_jobs_active}.
 */
final class CountersCollector implements MultiCollector
{
    private static final String PREFIX = "fusewire_aggregator_";

    private final CountersFile counters;
    private final IntSupplier activeJobs;

    CountersCollector(final CountersFile counters, final IntSupplier activeJobs)
    {
        this.counters = counters;
        this.activeJobs = activeJobs;
    }

    @Override
    public MetricSnapshots collect()
    {
        final List<MetricSnapshot> metrics = new ArrayList<>();
        counters.forEach((label, value) -> metrics.add(CounterSnapshot.builder().name(name(label)).help(label)
            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build()));
        metrics.add(GaugeSnapshot.builder().name(PREFIX + "jobs_active").help("jobs being served (tier-2 sides counted apart)")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(activeJobs.getAsInt()).build()).build());
        return new MetricSnapshots(metrics);
    }

    /** @return the metric name of a counter's label (without the _total the exposition adds). */
    static String name(final String label)
    {
        final int bracket = label.indexOf(" (");
        return PREFIX + (bracket < 0 ? label : label.substring(0, bracket)).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }
}
