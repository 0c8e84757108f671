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
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf fusion}: the latency experiment of ViFusion §4.5. Queries (small AllReduces
 * of 4 to 64 KiB by default) arrive as a Poisson process; once each alone ("sync", one collective
 * per query) and once through tensor fusion ("fused"), in the same run, with the same arrivals.
 * Prints throughput and p50/p90/p99 latency, and writes the latency CDF as CSV and PNG.
 */
@Command(name = "fusion", mixinStandardHelpOptions = true,
    description = {"Poisson arrivals of small AllReduce queries, fused vs one collective per query (ViFusion 4.5).",
        "Without --rate, the rate is 80% of the measured capacity of the sync mode."})
public final class FusionCommand implements Callable<Integer>
{
    private static final double[] FRACTIONS = LongStream.rangeClosed(1, 200).mapToDouble(i -> i / 200.0).toArray();

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "2", description = "Workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--aggregators", defaultValue = "1", description = "Aggregators (default: ${DEFAULT-VALUE}).")
    int aggregators;

    @Option(names = "--transport", defaultValue = "shm", description = "shm or tcp (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--rate", defaultValue = "0", description = "Queries per second; 0 measures the sync capacity and takes 80%.")
    double rate;

    @Option(names = "--sizes", defaultValue = "4K,16K,64K", description = "Query sizes, drawn uniformly (default: ${DEFAULT-VALUE}).")
    String sizes;

    @Option(names = "--duration", defaultValue = "10", description = "Seconds of arrivals per mode (default: ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Option(names = "--fill", defaultValue = "0.75", description = "Fusion fill threshold (default: ${DEFAULT-VALUE}).")
    double fill;

    @Option(names = "--deadline", defaultValue = "0.25", description = "Fusion deadline in ms (default: ${DEFAULT-VALUE}).")
    double deadlineMs;

    @Option(names = "--mode", defaultValue = "both", description = "fused, sync or both (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--out", defaultValue = "fusewire-results", description = "Where the CSV and PNG go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--timeout-s", defaultValue = "300", description = "Bound on each mode's run (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (!List.of("fused", "sync", "both").contains(mode))
        {
            out.println("# FAILED: --mode " + mode + ": use fused, sync or both");
            return 2;
        }
        Files.createDirectories(outDir);
        double offered = rate;
        if (offered <= 0)
        {
            final double[] capacity = calibrate(out);
            if (capacity == null)
            {
                return 1;
            }
            offered = 0.8 * capacity[0];
            out.printf(Locale.ROOT, "# capacity, closed loop: sync %.0f q/s, fused %.0f q/s (%.1fx); offered load %.0f q/s%n",
                capacity[0], capacity[1], capacity[1] / capacity[0], offered);
        }
        out.printf(Locale.ROOT, "# fusewire perf fusion: %d workers, %d aggregators, %s, sizes %s, %.0f q/s for %.0f s, fill %.2f,"
            + " deadline %.3f ms%n", workers, aggregators, transport, sizes, offered, durationSeconds, fill, deadlineMs);
        out.printf("%-6s %8s %12s %10s %10s %10s %7s%n", "mode", "queries", "q/s", "p50 (us)", "p90 (us)", "p99 (us)", "#wrong");
        final Map<String, LatencyStats> results = new LinkedHashMap<>();
        for (final String each : "both".equals(mode) ? List.of("sync", "fused") : List.of(mode))
        {
            final LatencyStats stats = run(out, each, offered);
            if (stats == null)
            {
                return 1;
            }
            results.put(each, stats);
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
        out.println("# wrote " + outDir.resolve("fusion-latency-cdf.csv") + " and " + outDir.resolve("fusion-latency-cdf.png"));
        out.flush();
        return 0;
    }

    private double[] calibrate(final PrintWriter out) throws Exception
    {
        final double[][] capacity = new double[workers][];
        final List<String> failures = runWorkers(out, "calibrate", 0, (rank, line) ->
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

    private LatencyStats run(final PrintWriter out, final String runMode, final double offered) throws Exception
    {
        final long[] completed = new long[workers];
        final double[] seconds = new double[workers];
        final long[] wrong = new long[workers];
        final List<String> failures = runWorkers(out, runMode, offered, (rank, line) ->
        {
            final String[] fields = line.trim().split("\\s+");
            completed[rank] = Long.parseLong(fields[0]);
            seconds[rank] = Double.parseDouble(fields[1]);
            wrong[rank] = Long.parseLong(fields[2]);
        });
        if (!failures.isEmpty())
        {
            out.println("# FAILED " + runMode + ": " + String.join("; ", failures));
            return null;
        }
        final List<Long> all = new ArrayList<>();
        for (int rank = 0; rank < workers; rank++)
        {
            Files.readAllLines(latencyFile(runMode, rank)).forEach(line -> all.add(Long.parseLong(line.trim())));
        }
        final LatencyStats stats = LatencyStats.of(all.stream().mapToLong(Long::longValue).toArray());
        out.printf(Locale.ROOT, "%-6s %8d %12.1f %10d %10d %10d %7d%n", runMode, completed[0], completed[0] / seconds[0],
            stats.percentile(0.5), stats.percentile(0.9), stats.percentile(0.99), LongStream.of(wrong).sum());
        return stats;
    }

    private List<String> runWorkers(final PrintWriter out, final String runMode, final double offered,
        final java.util.function.BiConsumer<Integer, String> onResult) throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(out, timeoutSeconds))
        {
            final List<String> addresses = cluster.startAggregators(aggregators, transport);
            cluster.startWorkers(workers, rank -> List.of("fusion-worker", "--rank", Integer.toString(rank), "--workers",
                Integer.toString(workers), "--aggregators", String.join(",", addresses), "--transport", transport, "--job",
                Long.toString(cluster.job()), "--secret", cluster.secret(), "--mode", runMode, "--rate",
                Double.toString(Math.max(1, offered)), "--sizes", sizes, "--duration-s", Double.toString(durationSeconds), "--fill",
                Double.toString(fill), "--deadline-us", Long.toString((long)(deadlineMs * 1000)), "--out",
                latencyFile(runMode, rank).toString(), "--timeout-ms", Long.toString(TimeUnit.SECONDS.toMillis(timeoutSeconds))),
                onResult);
            return cluster.awaitWorkers();
        }
    }

    private Path latencyFile(final String runMode, final int rank)
    {
        return outDir.resolve("fusion-latency-" + runMode + "-rank" + rank + ".txt").toAbsolutePath();
    }

    private void write(final Map<String, LatencyStats> results) throws IOException
    {
        final List<String> lines = new ArrayList<>();
        lines.add("fraction," + String.join(",", results.keySet().stream().map(name -> name + "_us").toList()));
        for (final double fraction : FRACTIONS)
        {
            final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.3f", fraction));
            results.values().forEach(stats -> line.append(',').append(stats.percentile(fraction)));
            lines.add(line.toString());
        }
        Files.write(outDir.resolve("fusion-latency-cdf.csv"), lines);
        System.setProperty("java.awt.headless", "true");
        final XYChart chart = new XYChartBuilder().width(900).height(560).title("AllReduce query latency, fused vs one collective per query")
            .xAxisTitle("latency (us, log scale)").yAxisTitle("fraction of queries").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        results.forEach((name, stats) -> chart.addSeries(name, stats.cdf(FRACTIONS), FRACTIONS));
        BitmapEncoder.saveBitmap(chart, outDir.resolve("fusion-latency-cdf").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
