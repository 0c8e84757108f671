package io.fusewire.perf.compare;

import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.perf.allreduce.AllReduceRun;
import io.fusewire.perf.allreduce.Row;
import io.fusewire.perf.allreduce.SweepOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf compare}: Fusewire's AllReduce next to what users run today, interleaved in
 * one run at the same N and sizes: Fusewire through aggregators, Fusewire's ring,
 * torch.distributed with Gloo, and Open MPI on shared memory and on TCP. Every system's results are
 * checked. Prints the median busbw (min-max over the repetitions) per system and size, with
 * Fusewire's ratio to each peer, and writes CSV, JSON and a PNG chart.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"AllReduce busbw side by side: Fusewire (aggregator, ring), Gloo, Open MPI (shm, tcp), interleaved.",
        "A peer that is not installed is skipped with a note (perf/setup-peers.sh installs them)."})
public final class CompareCommand implements Callable<Integer>
{
    private static final String AGGREGATOR = "fusewire-aggregator";

    @Spec
    CommandSpec spec;

    @Mixin
    SweepOptions sweepOptions;

    @Option(names = "--workers", defaultValue = "2", description = "Workers N (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--aggregators", defaultValue = "1", description = "Fusewire aggregators (default: ${DEFAULT-VALUE}).")
    int aggregators;

    @Option(names = "-f", defaultValue = "4", description = "Size factor (default: ${DEFAULT-VALUE}).")
    int factor;

    @Option(names = "--chunk", defaultValue = "256K", description = "Fusewire aggregator's chunk size (default: ${DEFAULT-VALUE}).")
    String chunk;

    @Option(names = "--window", defaultValue = "" + CommunicatorContext.WINDOW_DEFAULT, description = "Fusewire aggregator's slots per aggregator (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--reps", defaultValue = "3", description = "Repetitions, interleaved (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--iters", defaultValue = "0", description = "Timed collectives per size; 0 picks by size.")
    int iterations;

    @Option(names = "--out", defaultValue = "fusewire-results", description = "Where CSV, JSON and PNG go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(outDir);
        final Sweep sweep = new Sweep(sweepOptions.minBytes(), sweepOptions.maxBytes(), factor, iterations, sweepOptions.timeoutSeconds());
        final long[] sizes = sweep.bytes();
        final List<String> systems = new ArrayList<>(List.of(AGGREGATOR, "fusewire-ring"));
        final String glooMissing = PeerRun.glooMissing();
        final String mpiMissing = PeerRun.mpiMissing();
        if (glooMissing == null)
        {
            systems.add("gloo");
        }
        if (mpiMissing == null)
        {
            systems.addAll(List.of("mpi-shm", "mpi-tcp"));
        }
        out.printf("# fusewire perf compare: %d workers, Fusewire over %s with %d aggregator(s), %d repetitions, busbw in GB/s%n",
            workers, sweepOptions.transport(), aggregators, reps);
        for (final String missing : new String[] {glooMissing, mpiMissing})
        {
            if (missing != null)
            {
                out.println("# " + missing);
            }
        }
        final Map<String, double[][]> busbw = new LinkedHashMap<>();
        systems.forEach(system -> busbw.put(system, new double[sizes.length][reps]));
        final List<String> failures = new ArrayList<>();
        try (PeerRun peers = new PeerRun(out))
        {
            for (int rep = 0; rep < reps; rep++)
            {
                for (final String system : systems)
                {
                    out.println("# rep " + (rep + 1) + "/" + reps + ": " + system);
                    out.flush();
                    final AllReduceRun.Result result = run(system, sweep, peers);
                    record(system, rep, result, busbw.get(system), failures);
                }
            }
        }
        print(out, sizes, busbw);
        write(sizes, busbw);
        failures.forEach(failure -> out.println("# FAILED: " + failure));
        out.println("# wrote " + outDir.resolve("compare.csv") + ", compare.json and compare.png");
        out.flush();
        return failures.isEmpty() ? 0 : 1;
    }

    private AllReduceRun.Result run(final String system, final Sweep sweep, final PeerRun peers) throws Exception
    {
        return switch (system)
        {
            case "gloo" -> peers.gloo(workers, sweep);
            case "mpi-shm" -> peers.mpi(workers, "vader,self", sweep);
            case "mpi-tcp" -> peers.mpi(workers, "tcp,self", sweep);
            default -> AllReduceRun.run(sweepOptions.toRun(AGGREGATOR.equals(system) ? "aggregator" : "ring", workers, aggregators,
                factor, iterations, true, chunk, window, "caller", false), new PrintWriter(new StringWriter()));
        };
    }

    private static void record(final String system, final int rep, final AllReduceRun.Result result, final double[][] busbw,
        final List<String> failures)
    {
        result.failures().forEach(failure -> failures.add(system + ": " + failure));
        if (result.rows().size() < result.expected())
        {
            failures.add(system + ": results for " + result.rows().size() + " of " + result.expected() + " sizes (its processes ended"
                + " without printing the rest)");
        }
        for (int i = 0; i < busbw.length; i++)
        {
            final Row row = i < result.rows().size() ? result.rows().get(i) : null;
            busbw[i][rep] = row == null ? Double.NaN : row.busbw();
            if (row != null && row.wrong() != 0)
            {
                failures.add(system + ": " + row.wrong() + " wrong elements at " + row.bytes() + " bytes");
            }
        }
    }

    private void print(final PrintWriter out, final long[] sizes, final Map<String, double[][]> busbw)
    {
        final StringBuilder header = new StringBuilder(String.format("%12s", "size (B)"));
        busbw.keySet().forEach(system -> header.append(String.format(" %24s", system)));
        busbw.keySet().stream().filter(system -> !system.equals(AGGREGATOR)).forEach(system ->
            header.append(String.format(" %14s", "x " + system)));
        out.println(header);
        for (int i = 0; i < sizes.length; i++)
        {
            final StringBuilder line = new StringBuilder(String.format("%12d", sizes[i]));
            final int at = i;
            busbw.values().forEach(values -> line.append(String.format(Locale.ROOT, " %8.2f [%6.2f-%6.2f]", median(values[at]),
                min(values[at]), max(values[at]))));
            final double ours = median(busbw.get(AGGREGATOR)[i]);
            busbw.forEach((system, values) ->
            {
                if (!system.equals(AGGREGATOR))
                {
                    line.append(String.format(Locale.ROOT, " %14.2f", ours / median(values[at])));
                }
            });
            out.println(line);
        }
    }

    private void write(final long[] sizes, final Map<String, double[][]> busbw) throws Exception
    {
        final List<String> csv = new ArrayList<>();
        csv.add("size_bytes,system,busbw_median_gbps,busbw_min_gbps,busbw_max_gbps");
        final List<String> json = new ArrayList<>();
        busbw.forEach((system, values) ->
        {
            for (int i = 0; i < sizes.length; i++)
            {
                csv.add(String.format(Locale.ROOT, "%d,%s,%.4f,%.4f,%.4f", sizes[i], system, median(values[i]), min(values[i]),
                    max(values[i])));
                json.add(String.format(Locale.ROOT, "{\"size\":%d,\"system\":\"%s\",\"workers\":%d,\"busbw_median_gbps\":%.4f,"
                    + "\"busbw_min_gbps\":%.4f,\"busbw_max_gbps\":%.4f}", sizes[i], system, workers, median(values[i]), min(values[i]),
                    max(values[i])));
            }
        });
        Files.write(outDir.resolve("compare.csv"), csv);
        Files.writeString(outDir.resolve("compare.json"), "[\n  " + String.join(",\n  ", json) + "\n]\n");
        System.setProperty("java.awt.headless", "true");
        final XYChart chart = new XYChartBuilder().width(900).height(560).title("AllReduce busbw, " + workers + " workers on one host")
            .xAxisTitle("size (bytes, log scale)").yAxisTitle("busbw (GB/s, median)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        busbw.forEach((system, values) ->
        {
            // a size without a result is left out of the line, not drawn as 0 GB/s
            final int[] measured = IntStream.range(0, sizes.length).filter(i -> !Double.isNaN(median(values[i]))).toArray();
            if (measured.length > 0)
            {
                chart.addSeries(system, Arrays.stream(measured).mapToDouble(i -> sizes[i]).toArray(),
                    Arrays.stream(measured).mapToDouble(i -> median(values[i])).toArray());
            }
        });
        BitmapEncoder.saveBitmap(chart, outDir.resolve("compare").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static double median(final double[] values)
    {
        final double[] sorted = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        return sorted.length == 0 ? Double.NaN : sorted.length % 2 == 1 ? sorted[sorted.length / 2]
            : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double min(final double[] values)
    {
        return Arrays.stream(values).filter(v -> !Double.isNaN(v)).min().orElse(Double.NaN);
    }

    private static double max(final double[] values)
    {
        return Arrays.stream(values).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
    }
}
