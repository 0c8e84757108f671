package io.fusewire.perf.fusion;

import io.fusewire.perf.cli.Spread;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the runs of one mode at one offered load measured: per run, the rate reached, p50, p90 and
 * p99, and the wrong results; and every latency of every run, for the CDF. Reported as medians over
 * the runs with their min-max.
 */
final class LoadResults
{
    static final double[] PERCENTILES = {0.5, 0.9, 0.99};

    private final List<double[]> runs = new ArrayList<>();
    private final List<long[]> latencies = new ArrayList<>();
    private final List<Long> lateMicros = new ArrayList<>();
    private long wrong;

    /**
     * Adds one run.
     *
     * @param lateMicros how late the harness started the run's queries, median, on its latest worker.
     */
    void add(final double queriesPerSecond, final LatencyStats stats, final long wrongResults, final long lateMicros)
    {
        this.lateMicros.add(lateMicros);
        final double[] row = new double[1 + PERCENTILES.length];
        row[0] = queriesPerSecond;
        for (int i = 0; i < PERCENTILES.length; i++)
        {
            row[1 + i] = stats.percentile(PERCENTILES[i]);
        }
        runs.add(row);
        latencies.add(stats.micros());
        wrong += wrongResults;
    }

    /** @return wrong results over all runs. */
    long wrong()
    {
        return wrong;
    }

    /**
     * @param column 0 for queries per second, 1.. for the percentiles in {@link #PERCENTILES}' order.
     * @return {median, min, max} over the runs.
     */
    double[] summary(final int column)
    {
        final double[] values = runs.stream().mapToDouble(row -> row[column]).toArray();
        return new double[] {Spread.median(values), Spread.min(values), Spread.max(values)};
    }

    /** @return "median [min-max]" of a column, whole numbers. */
    String cell(final int column)
    {
        final double[] s = summary(column);
        return String.format(Locale.ROOT, "%.0f [%.0f-%.0f]", s[0], s[1], s[2]);
    }

    /** @return how late the harness started queries, median over the runs, microseconds. */
    long lateMicros()
    {
        return (long)Spread.median(lateMicros.stream().mapToDouble(Long::doubleValue).toArray());
    }

    /** @return every run's latencies together. */
    LatencyStats pooled()
    {
        return LatencyStats.of(latencies.stream().flatMapToLong(Arrays::stream).toArray());
    }
}
