package io.fusewire.perf.fusion;

import io.fusewire.perf.cli.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.LongStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Runs a query-latency experiment: optionally calibrates the offered load, then runs each mode
 * (sync, fused) with the same Poisson arrivals in fresh worker processes, prints a row per mode
 * and writes the latency CDF as CSV and PNG. The workload (what a query is) is the workers' business.
 */
final class QueryExperiment
{
    private static final double[] FRACTIONS = LongStream.rangeClosed(1, 200).mapToDouble(i -> i / 200.0).toArray();

    private final QueryOptions options;
    private final PrintWriter out;
    private final String name;
    private final String what;
    private final List<String> workload;

    QueryExperiment(final QueryOptions options, final PrintWriter out, final String name, final String what,
        final List<String> workload)
    {
        this.options = options;
        this.out = out;
        this.name = name;
        this.what = what;
        this.workload = workload;
    }

    int run() throws Exception
    {
        if (!List.of("fused", "sync", "both").contains(options.mode))
        {
            out.println("# FAILED: --mode " + options.mode + ": use fused, sync or both");
            return 2;
        }
        Files.createDirectories(options.outDir);
        double offered = options.rate;
        if (offered <= 0)
        {
            final double[] capacity = calibrate();
            if (capacity == null)
            {
                return 1;
            }
            offered = 0.8 * capacity[0];
            out.printf(Locale.ROOT, "# capacity, closed loop: sync %.0f q/s, fused %.0f q/s (%.1fx); offered load %.0f q/s%n",
                capacity[0], capacity[1], capacity[1] / capacity[0], offered);
        }
        out.printf(Locale.ROOT, "# fusewire perf %s: %d workers, %d aggregators, %s, %s, %.0f q/s for %.0f s, fill %.2f,"
            + " deadline %.3f ms%n", name, options.workers, options.aggregators, options.transport, what, offered,
            options.durationSeconds, options.fill, options.deadlineMs);
        out.printf("%-6s %8s %12s %10s %10s %10s %7s%n", "mode", "queries", "q/s", "p50 (us)", "p90 (us)", "p99 (us)", "#wrong");
        final Map<String, LatencyStats> results = new LinkedHashMap<>();
        for (final String mode : "both".equals(options.mode) ? List.of("sync", "fused") : List.of(options.mode))
        {
            final LatencyStats stats = runMode(mode, offered);
            if (stats == null)
            {
                return 1;
            }
            results.put(mode, stats);
        }
        if (results.size() == 2)
        {
            final LatencyStats sync = results.get("sync");
            final LatencyStats fused = results.get("fused");
            out.printf(Locale.ROOT, "# fused vs sync: p50 %+.0f%%, p99 %+.0f%%%n",
                100.0 * (fused.percentile(0.5) - sync.percentile(0.5)) / sync.percentile(0.5),
                100.0 * (fused.percentile(0.99) - sync.percentile(0.99)) / sync.percentile(0.99));
        }
        write(results);
        out.println("# wrote " + file("latency-cdf.csv") + " and " + file("latency-cdf.png"));
        out.flush();
        return 0;
    }

    private double[] calibrate() throws Exception
    {
        final double[][] capacity = new double[options.workers][];
        final List<String> failures = runWorkers("calibrate", 0, (rank, line) ->
        {
            final String[] fields = line.trim().split("\\s+");
            capacity[rank] = new double[] {Double.parseDouble(fields[1]), Double.parseDouble(fields[2])};
        });
        if (!failures.isEmpty() || capacity[0] == null)
        {
            out.println("# FAILED calibration: " + failures);
            return null;
        }
        return capacity[0];
    }

    private LatencyStats runMode(final String mode, final double offered) throws Exception
    {
        final long[] completed = new long[options.workers];
        final double[] seconds = new double[options.workers];
        final long[] wrong = new long[options.workers];
        final List<String> failures = runWorkers(mode, offered, (rank, line) ->
        {
            final String[] fields = line.trim().split("\\s+");
            completed[rank] = Long.parseLong(fields[0]);
            seconds[rank] = Double.parseDouble(fields[1]);
            wrong[rank] = Long.parseLong(fields[2]);
        });
        if (!failures.isEmpty())
        {
            out.println("# FAILED " + mode + ": " + String.join("; ", failures));
            return null;
        }
        final List<Long> all = new ArrayList<>();
        for (int rank = 0; rank < options.workers; rank++)
        {
            Files.readAllLines(latencyFile(mode, rank)).forEach(line -> all.add(Long.parseLong(line.trim())));
        }
        final LatencyStats stats = LatencyStats.of(all.stream().mapToLong(Long::longValue).toArray());
        out.printf(Locale.ROOT, "%-6s %8d %12.1f %10d %10d %10d %7d%n", mode, completed[0], completed[0] / seconds[0],
            stats.percentile(0.5), stats.percentile(0.9), stats.percentile(0.99), LongStream.of(wrong).sum());
        return stats;
    }

    private List<String> runWorkers(final String mode, final double offered, final BiConsumer<Integer, String> onResult)
        throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(out, options.timeoutSeconds))
        {
            final List<String> addresses = cluster.startAggregators(options.aggregators, options.transport);
            cluster.startWorkers(options.workers, rank ->
            {
                final List<String> arguments = new ArrayList<>(List.of("fusion-worker", "--rank", Integer.toString(rank), "--workers",
                    Integer.toString(options.workers), "--aggregators", String.join(",", addresses), "--transport",
                    options.transport, "--job", Long.toString(cluster.job()), "--secret", cluster.secret(), "--mode", mode, "--rate",
                    Double.toString(Math.max(1, offered)), "--duration-s", Double.toString(options.durationSeconds), "--fill",
                    Double.toString(options.fill), "--deadline-us", Long.toString((long)(options.deadlineMs * 1000)), "--out",
                    latencyFile(mode, rank).toString(), "--timeout-ms",
                    Long.toString(TimeUnit.SECONDS.toMillis(options.timeoutSeconds))));
                arguments.addAll(workload);
                return arguments;
            }, onResult);
            return cluster.awaitWorkers();
        }
    }

    private Path file(final String suffix)
    {
        return options.outDir.resolve(name + "-" + suffix);
    }

    private Path latencyFile(final String mode, final int rank)
    {
        return file("latency-" + mode + "-rank" + rank + ".txt").toAbsolutePath();
    }

    private void write(final Map<String, LatencyStats> results) throws IOException
    {
        final List<String> lines = new ArrayList<>();
        lines.add("fraction," + String.join(",", results.keySet().stream().map(mode -> mode + "_us").toList()));
        for (final double fraction : FRACTIONS)
        {
            final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.3f", fraction));
            results.values().forEach(stats -> line.append(',').append(stats.percentile(fraction)));
            lines.add(line.toString());
        }
        Files.write(file("latency-cdf.csv"), lines);
        System.setProperty("java.awt.headless", "true");
        final XYChart chart = new XYChartBuilder().width(900).height(560).title("perf " + name + ": query latency, fused vs one"
            + " collective per query").xAxisTitle("latency (us, log scale)").yAxisTitle("fraction of queries").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        results.forEach((mode, stats) -> chart.addSeries(mode, stats.cdf(FRACTIONS), FRACTIONS));
        BitmapEncoder.saveBitmap(chart, file("latency-cdf").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
