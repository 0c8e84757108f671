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
import java.util.stream.DoubleStream;
import java.util.stream.LongStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Runs a query-latency experiment: measures the sync capacity (unless a rate is given), then, for
 * each run, each offered load and each mode (sync, fused), the same Poisson arrivals in fresh
 * worker processes, interleaved so that drift spreads over all; prints per load and mode the
 * medians over the runs with their min-max, and writes the medians and every load's latency CDF as
 * CSV and PNG. The workload (what a query is) is the workers' business.
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
        if (options.runs < 1 || options.loadsPercent.length == 0 || DoubleStream.of(options.loadsPercent).anyMatch(l -> l <= 0)
            || options.warmupSeconds < 0)
        {
            out.println("# FAILED: --runs must be at least 1, --loads positive percentages, e.g. 20,50,80,95, and --warmup 0 or more");
            return 2;
        }
        Files.createDirectories(options.outDir);
        final Map<String, Double> loads = new LinkedHashMap<>();
        if (options.rate > 0)
        {
            loads.put(String.format(Locale.ROOT, "%.0f q/s", options.rate), options.rate);
        }
        else
        {
            final double[] capacity = calibrate();
            if (capacity == null)
            {
                return 1;
            }
            out.printf(Locale.ROOT, "# capacity, closed loop: sync %.0f q/s, fused %.0f q/s (%.1fx)%n", capacity[0], capacity[1],
                capacity[1] / capacity[0]);
            for (final double percent : options.loadsPercent)
            {
                loads.put(String.format(Locale.ROOT, "%.0f%%", percent), percent / 100 * capacity[0]);
            }
        }
        out.printf(Locale.ROOT, "# fusewire perf %s: %d workers, %d aggregators, %s, %s, loads %s, %d run(s) of %.0f s each"
            + " after %.0f s of warm-up at the load, fill %.2f, deadline %.3f ms, fire when idle %s%n", name, options.workers,
            options.aggregators, options.transport, what, String.join(" ", loads.keySet()), options.runs, options.durationSeconds,
            options.warmupSeconds, options.fill, options.deadlineMs,
            options.fireWhenIdle);
        final List<String> modes = "both".equals(options.mode) ? List.of("sync", "fused") : List.of(options.mode);
        final Map<String, LoadResults> results = new LinkedHashMap<>();
        for (int run = 1; run <= options.runs; run++)
        {
            for (final Map.Entry<String, Double> load : loads.entrySet())
            {
                for (final String mode : modes)
                {
                    if (!runMode(mode, load.getValue(), results.computeIfAbsent(key(mode, load.getKey()), k -> new LoadResults())))
                    {
                        return 1;
                    }
                }
            }
            out.printf("# run %d of %d done%n", run, options.runs);
            out.flush();
        }
        out.printf("%-6s %8s %20s %20s %20s %20s %7s%n", "mode", "load", "q/s", "p50 (us)", "p90 (us)", "p99 (us)", "#wrong");
        for (final String load : loads.keySet())
        {
            for (final String mode : modes)
            {
                final LoadResults r = results.get(key(mode, load));
                out.printf(Locale.ROOT, "%-6s %8s %20s %20s %20s %20s %7d%n", mode, load, r.cell(0), r.cell(1), r.cell(2), r.cell(3),
                    r.wrong());
            }
            if (modes.size() == 2)
            {
                final LoadResults sync = results.get(key("sync", load));
                final LoadResults fused = results.get(key("fused", load));
                out.printf(Locale.ROOT, "# %s: fused vs sync, medians: p50 %+.0f%%, p99 %+.0f%%; queries started late by the harness"
                    + " (median): sync %d us, fused %d us%n", load, change(fused.summary(1)[0], sync.summary(1)[0]),
                    change(fused.summary(3)[0], sync.summary(3)[0]), sync.lateMicros(), fused.lateMicros());
            }
        }
        write(results);
        out.println("# wrote " + file("latency-cdf.csv") + ", " + file("summary.csv") + " and " + file("latency-cdf.png"));
        out.flush();
        return results.values().stream().allMatch(r -> r.wrong() == 0) ? 0 : 1;
    }

    /** @return the key of a mode at a load: "mode TAB load". */
    private static String key(final String mode, final String load)
    {
        return mode + "\t" + load;
    }

    private static double change(final double value, final double reference)
    {
        return 100.0 * (value - reference) / reference;
    }

    private double[] calibrate() throws Exception
    {
        final double[][] capacity = new double[options.workers][];
        final String[] rounds = new String[2];
        final List<String> failures = runWorkers("calibrate", 0, (rank, line) ->
        {
            final String[] fields = line.trim().split("\\s+");
            capacity[rank] = new double[] {Double.parseDouble(fields[1]), Double.parseDouble(fields[2])};
            if (rank == 0)
            {
                rounds[0] = fields[3];
                rounds[1] = fields[4];
            }
        });
        if (!failures.isEmpty() || capacity[0] == null)
        {
            out.println("# FAILED calibration: " + failures);
            return null;
        }
        out.printf("# closed-loop rounds, q/s (warm-up rounds, then the counted ones of about a second each, whose median is the"
            + " capacity): sync %s, fused %s%n", rounds[0], rounds[1]);
        return capacity[0];
    }

    /** @return false if a worker failed (said on out). */
    private boolean runMode(final String mode, final double offered, final LoadResults into) throws Exception
    {
        final long[] completed = new long[options.workers];
        final double[] seconds = new double[options.workers];
        final long[] wrong = new long[options.workers];
        final long[] lateMicros = new long[options.workers];
        final List<String> failures = runWorkers(mode, offered, (rank, line) ->
        {
            final String[] fields = line.trim().split("\\s+");
            completed[rank] = Long.parseLong(fields[0]);
            seconds[rank] = Double.parseDouble(fields[1]);
            wrong[rank] = Long.parseLong(fields[2]);
            lateMicros[rank] = Long.parseLong(fields[3]);
        });
        if (!failures.isEmpty())
        {
            out.println("# FAILED " + mode + ": " + String.join("; ", failures));
            return false;
        }
        final List<Long> all = new ArrayList<>();
        for (int rank = 0; rank < options.workers; rank++)
        {
            Files.readAllLines(latencyFile(mode, rank)).forEach(line -> all.add(Long.parseLong(line.trim())));
        }
        into.add(completed[0] / seconds[0], LatencyStats.of(all.stream().mapToLong(Long::longValue).toArray()), LongStream.of(wrong).sum(),
            LongStream.of(lateMicros).max().orElse(0));
        return true;
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
                    options.transport, "--job", Long.toString(cluster.job()), "--mode", mode, "--rate",
                    Double.toString(Math.max(1, offered)), "--duration-s", Double.toString(options.durationSeconds), "--warmup-s",
                    Double.toString(options.warmupSeconds), "--fill",
                    Double.toString(options.fill), "--deadline-us", Long.toString((long)(options.deadlineMs * 1000)),
                    "--fire-when-idle", Boolean.toString(options.fireWhenIdle), "--out",
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

    /** The CDF of every mode at every load (all runs' latencies together), and the medians, as CSV; the CDFs as a PNG. */
    private void write(final Map<String, LoadResults> results) throws IOException
    {
        final Map<String, LatencyStats> pooled = new LinkedHashMap<>();
        results.forEach((key, r) -> pooled.put(key, r.pooled()));
        final List<String> lines = new ArrayList<>();
        lines.add("fraction," + String.join(",", pooled.keySet().stream().map(key -> key.replace('\t', '@').replace(" ", "") + "_us").toList()));
        for (final double fraction : FRACTIONS)
        {
            final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.3f", fraction));
            pooled.values().forEach(stats -> line.append(',').append(stats.percentile(fraction)));
            lines.add(line.toString());
        }
        Files.write(file("latency-cdf.csv"), lines);
        final List<String> summary = new ArrayList<>();
        summary.add("mode,load,qps_median,qps_min,qps_max,p50_median_us,p50_min_us,p50_max_us,p90_median_us,p90_min_us,p90_max_us,"
            + "p99_median_us,p99_min_us,p99_max_us,wrong");
        results.forEach((key, r) ->
        {
            final StringBuilder line = new StringBuilder(key.replace('\t', ','));
            for (int column = 0; column <= LoadResults.PERCENTILES.length; column++)
            {
                for (final double value : r.summary(column))
                {
                    line.append(String.format(Locale.ROOT, ",%.1f", value));
                }
            }
            summary.add(line.append(',').append(r.wrong()).toString());
        });
        Files.write(file("summary.csv"), summary);
        System.setProperty("java.awt.headless", "true");
        final XYChart chart = new XYChartBuilder().width(900).height(560).title("perf " + name + ": query latency by offered load,"
            + " fused vs one collective per query").xAxisTitle("latency (us, log scale)").yAxisTitle("fraction of queries").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        pooled.forEach((key, stats) -> chart.addSeries(key.replace('\t', ' '), stats.cdf(FRACTIONS), FRACTIONS));
        BitmapEncoder.saveBitmap(chart, file("latency-cdf").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
