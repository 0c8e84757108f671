package io.fusewire.perf.compare;

import static io.fusewire.perf.cli.Spread.max;
import static io.fusewire.perf.cli.Spread.median;
import static io.fusewire.perf.cli.Spread.min;

import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.perf.allreduce.AllReduceRun;
import io.fusewire.perf.allreduce.Row;
import io.fusewire.perf.allreduce.SweepOptions;
import io.fusewire.perf.cli.Placement;
import io.fusewire.perf.testbed.LinkBound;
import io.fusewire.perf.testbed.TestbedOptions;
import io.fusewire.perf.testbed.TestbedPlacement;
import io.fusewire.perf.testbed.TestbedPlan;
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
import picocli.CommandLine;
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
 * the first system's ratio (Fusewire's aggregator; on a testbed its two tiers) to each other, and writes CSV, JSON and a PNG chart.
 *
 * <p>With {@code --testbed} every process runs in a host of the emulated cluster, over TCP: Fusewire
 * placed by {@code --place}, two-tier with an aggregator in each rack switch or sharded over the rack's hosts, its ring also with ranks
 * alternating racks (as a launcher without topology assigns them), ViFusion's HFBA baselines, and Gloo
 * and Open MPI on the ring's hosts.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"AllReduce busbw side by side: Fusewire (aggregator, ring), Gloo, Open MPI (shm, tcp), interleaved.",
        "With --testbed: across a testbed's hosts over tcp, adding Fusewire's two tiers (rack aggregators in the switches,",
        "and sharded over each rack's hosts), its ring with ranks alternating racks, and HFBA.",
        "A peer that is not installed is skipped with a note (perf/setup-peers.sh installs them)."})
public final class CompareCommand implements Callable<Integer>
{
    private static final String AGGREGATOR = "fusewire-aggregator";

    /** Fusewire's systems on a testbed, with their algorithms; the aggregator and the ring also run on one host. */
    private static final Map<String, String> FUSEWIRE = new LinkedHashMap<>();

    static
    {
        FUSEWIRE.put("fusewire-hierarchical", AllReduceRun.HIERARCHICAL);
        FUSEWIRE.put("fusewire-hierarchical-hosts", AllReduceRun.HIERARCHICAL);
        FUSEWIRE.put(AGGREGATOR, "aggregator");
        FUSEWIRE.put("fusewire-ring", "ring");
        FUSEWIRE.put("fusewire-ring-unaware", "ring");
        FUSEWIRE.put("fusewire-hfba-high", "hfba-high");
        FUSEWIRE.put("fusewire-hfba-low", "hfba-low");
    }

    @Spec
    CommandSpec spec;

    @Mixin
    SweepOptions sweepOptions;

    @Mixin
    TestbedOptions testbed;

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

    @Option(names = "--systems", split = ",", paramLabel = "SYSTEM", description = {"Run only these systems, e.g.",
        "fusewire-hierarchical,fusewire-ring,gloo (default: every one that can run here)."})
    List<String> only;

    @Option(names = "--out", defaultValue = "fusewire-results", description = "Where CSV, JSON and PNG go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    /** The peers' hosts on a testbed (the ring's), empty on one host. */
    private List<TestbedPlan.Host> peerHosts = List.of();

    /** What the chart says the run was on. */
    private String title;

    /** On a testbed, each system's link bound on busbw, GB/s ({@link LinkBound}); none for HFBA, whose pattern is not modelled. */
    private final Map<String, Double> bounds = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        title = workers + " workers on one host";
        Files.createDirectories(outDir);
        final Sweep sweep = new Sweep(sweepOptions.minBytes(), sweepOptions.maxBytes(), factor, iterations, sweepOptions.timeoutSeconds());
        final long[] sizes = sweep.bytes();
        out.printf("# fusewire perf compare: %d workers, Fusewire over %s with %d aggregator(s), %d repetitions, busbw in GB/s%n",
            workers, sweepOptions.transport(), aggregators, reps);
        final Map<String, Placement> placements = place(out);
        final List<String> systems = new ArrayList<>(placements.keySet());
        final String glooMissing = PeerRun.glooMissing();
        final String mpiMissing = PeerRun.mpiMissing();
        if (glooMissing == null)
        {
            systems.add("gloo");
        }
        if (mpiMissing == null)
        {
            systems.addAll(testbed.name() == null ? List.of("mpi-shm", "mpi-tcp") : List.of("mpi-tcp"));
        }
        for (final String missing : new String[] {glooMissing, mpiMissing})
        {
            if (missing != null)
            {
                out.println("# " + missing);
            }
        }
        if (only != null)
        {
            final List<String> unknown = only.stream().filter(system -> !systems.contains(system)).toList();
            if (!unknown.isEmpty())
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--systems " + String.join(",", unknown) + ": not among the"
                    + " systems that can run here (" + String.join(", ", systems) + ")");
            }
            systems.retainAll(only);
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
                    final AllReduceRun.Result result = run(system, sweep, peers, placements);
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

    /** @return Fusewire's systems with where their processes go; the peers run on the ring's hosts. */
    private Map<String, Placement> place(final PrintWriter out)
    {
        final Map<String, Placement> placements = new LinkedHashMap<>();
        if (!testbed.active(sweepOptions.transport()))
        {
            placements.put(AGGREGATOR, Placement.LOCAL);
            placements.put("fusewire-ring", Placement.LOCAL);
            return placements;
        }
        final TestbedPlacement.Placed ring = testbed.place(workers, 0);
        peerHosts = ring.workerHosts();
        title = workers + " workers, " + ring.plan().describe();
        out.println("# " + title);
        for (final String system : FUSEWIRE.keySet())
        {
            if (only != null && !only.contains(system))
            {
                continue;
            }
            final TestbedPlacement.Placed placed = switch (system)
            {
                case "fusewire-hierarchical" -> testbed.placeHierarchical(workers, false);
                case "fusewire-hierarchical-hosts" -> testbed.placeHierarchical(workers, true);
                case AGGREGATOR -> testbed.place(workers, aggregators);
                case "fusewire-ring-unaware" -> testbed.place(workers, 0, TestbedPlacement.Policy.ALTERNATING);
                default -> ring;
            };
            out.println("# " + system + " placed " + (system.endsWith("-unaware") ? "alternating" : testbed.policyName()) + ": "
                + placed.describe());
            placements.put(system, placed.placement());
            final LinkBound.Pattern pattern = LinkBound.Pattern.of(FUSEWIRE.get(system));
            if (pattern != null)
            {
                bounds.put(system, LinkBound.busbwGbps(placed, pattern));
            }
        }
        // the peers run on the ring's hosts; both reduce large tensors around a ring
        final double ringBound = LinkBound.busbwGbps(ring, LinkBound.Pattern.RING);
        bounds.put("gloo", ringBound);
        bounds.put("mpi-tcp", ringBound);
        return placements;
    }

    private AllReduceRun.Result run(final String system, final Sweep sweep, final PeerRun peers, final Map<String, Placement> placements)
        throws Exception
    {
        return switch (system)
        {
            case "gloo" -> peers.gloo(workers, sweep, peerHosts);
            case "mpi-shm" -> peers.mpi(workers, "vader,self", sweep, List.of());
            case "mpi-tcp" -> peers.mpi(workers, "tcp,self", sweep, peerHosts);
            default -> AllReduceRun.run(sweepOptions.toRun(FUSEWIRE.get(system), workers, aggregators, factor, iterations, true, chunk,
                window, "caller", false), placements.get(system), new PrintWriter(new StringWriter()));
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
        final StringBuilder header = header("size (B)", busbw.keySet());
        final String reference = busbw.keySet().iterator().next();
        busbw.keySet().stream().filter(system -> !system.equals(reference)).forEach(system ->
            header.append(String.format(" %14s", "x " + system)));
        out.println(header);
        for (int i = 0; i < sizes.length; i++)
        {
            final StringBuilder line = new StringBuilder(String.format("%12d", sizes[i]));
            final int at = i;
            busbw.values().forEach(values -> line.append(String.format(Locale.ROOT, " %8.3g [%6.3g-%6.3g]", median(values[at]),
                min(values[at]), max(values[at]))));
            final double ours = median(busbw.get(reference)[i]);
            busbw.forEach((system, values) ->
            {
                if (!system.equals(reference))
                {
                    line.append(String.format(Locale.ROOT, " %14.2f", ours / median(values[at])));
                }
            });
            out.println(line);
        }
        if (bounds.isEmpty())
        {
            return;
        }
        final StringBuilder limits = new StringBuilder("# link bounds on busbw (GB/s, from the bytes each link carries; LinkBound):");
        busbw.keySet().forEach(system -> limits.append(' ').append(system).append(' ').append(bounds.containsKey(system)
            ? String.format(Locale.ROOT, "%.4g", bounds.get(system)) : "-"));
        out.println(limits);
        out.println(header("of bound", busbw.keySet()));
        for (int i = 0; i < sizes.length; i++)
        {
            final StringBuilder line = new StringBuilder(String.format("%12d", sizes[i]));
            final int at = i;
            busbw.forEach((system, values) -> line.append(bounds.containsKey(system)
                ? String.format(Locale.ROOT, " %24.2f", median(values[at]) / bounds.get(system)) : String.format(" %24s", "-")));
            out.println(line);
        }
    }

    /** @return a table's header: the first column's name, then each system's. */
    private static StringBuilder header(final String first, final java.util.Collection<String> systems)
    {
        final StringBuilder header = new StringBuilder(String.format("%12s", first));
        systems.forEach(system -> header.append(String.format(" %24s", system)));
        return header;
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
                csv.add(String.format(Locale.ROOT, "%d,%s,%.6f,%.6f,%.6f", sizes[i], system, median(values[i]), min(values[i]),
                    max(values[i])));
                json.add(String.format(Locale.ROOT, "{\"size\":%d,\"system\":\"%s\",\"workers\":%d,%s\"busbw_median_gbps\":%s,"
                    + "\"busbw_min_gbps\":%s,\"busbw_max_gbps\":%s%s}", sizes[i], system, workers,
                    testbed.name() == null ? "" : "\"testbed\":\"" + testbed.name() + "\",", json(median(values[i])), json(min(values[i])),
                    json(max(values[i])), bounds.isEmpty() ? "" : ",\"busbw_bound_gbps\":" + json(bounds.getOrDefault(system, Double.NaN))));
            }
        });
        Files.write(outDir.resolve("compare.csv"), csv);
        Files.writeString(outDir.resolve("compare.json"), "[\n  " + String.join(",\n  ", json) + "\n]\n");
        System.setProperty("java.awt.headless", "true");
        final XYChart chart = new XYChartBuilder().width(1100).height(600).title("AllReduce busbw, " + title)
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

    /** @return a figure as JSON: null where nothing was measured (a system that failed), which JSON has no NaN for. */
    private static String json(final double value)
    {
        return Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.6f", value);
    }
}
