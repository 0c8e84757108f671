package io.fusewire.perf.allreduce;

import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.perf.cli.Placement;
import io.fusewire.perf.testbed.TestbedOptions;
import io.fusewire.perf.testbed.TestbedPlacement;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fusewire perf allreduce}: an nccl-tests style sweep of AllReduce through aggregators. */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
    description = {"AllReduce sweep through dedicated aggregators, each worker and aggregator its own process.",
        "Prints nccl-tests' columns: busbw = algbw x 2(N-1)/N, GB = 1e9 bytes."})
public final class AllReduceCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    SweepOptions sweep;

    @Option(names = "--algo", defaultValue = "aggregator",
        description = {"aggregator: through dedicated aggregators (default); ring: reduce-scatter + all-gather between the",
            "workers; hfba-high / hfba-low: ViFusion's hierarchical host-based baseline, 1 KiB / 4 KiB tensors, groups of 2;",
            "hierarchical (with --testbed): two tiers, an aggregator in each rack's switch summing its rack, the racks' sums",
            "exchanged chunk by chunk between the switches (a reduce-scatter among racks) and the totals passed down."})
    String algorithm;

    @Option(names = "--rack-aggregators", defaultValue = "switch", paramLabel = "switch|hosts",
        description = {"With --algo hierarchical, where each rack's tier 1 runs: switch, one aggregator in the rack switch",
            "(default); hosts, one aggregator on each of the rack's worker hosts, each summing its share of the chunks."})
    String rackAggregators;

    @Option(names = "--workers", defaultValue = "2", description = "Workers N (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--aggregators", defaultValue = "1", description = "Aggregators A (default: ${DEFAULT-VALUE}).")
    int aggregators;

    @Option(names = "-f", defaultValue = "2", description = "Size factor between rows (default: ${DEFAULT-VALUE}).")
    int factor;

    @Option(names = "--iters", defaultValue = "0", description = "Timed collectives per size; 0 picks by size (default).")
    int iterations;

    @Option(names = "--check", description = "Verify every element of one more collective per size (#wrong).")
    boolean check;

    @Option(names = "--chunk", defaultValue = "256K", description = "Chunk size (default: ${DEFAULT-VALUE}).")
    String chunk;

    @Option(names = "--window", defaultValue = "" + CommunicatorContext.WINDOW_DEFAULT, description = "Slots per aggregator (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--progress", defaultValue = "caller",
        description = {"Which thread progresses a worker's collectives: caller (the thread that called, as MPI's blocking",
            "collectives; default) or agent (the communicator's own thread, the caller waiting on a future)."})
    String progress;

    @Option(names = "--trace", description = {"With --algo aggregator: each worker prints, per size, where its collectives spend their",
        "time (handoff, to first write, writing, draining, back in caller; per chunk, write to result)."})
    boolean trace;

    @Mixin
    TestbedOptions testbed;

    @Option(names = "--json", description = "Also write the rows to this file as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final AllReduceRun.Options options = sweep.toRun(algorithm, workers, aggregators, factor, iterations, check, chunk, window, progress,
            trace);
        final TestbedPlacement.Placed placed = !testbed.active(sweep.transport()) ? null
            : AllReduceRun.HIERARCHICAL.equals(algorithm) ? testbed.placeHierarchical(workers, onHosts())
            : testbed.place(workers, "aggregator".equals(algorithm) ? aggregators : 0);
        out.println("# fusewire perf allreduce: " + algorithm + ", " + workers + " workers, "
            + ("aggregator".equals(algorithm) ? aggregators + " aggregators, chunk " + chunk + ", window " + window + ", progress " + progress + ", " : "")
            + sweep.transport());
        if (placed != null)
        {
            out.println("# placement (" + testbed.policyName() + "): " + placed.describe());
        }
        final AllReduceRun.Result result = AllReduceRun.run(options, placed == null ? Placement.LOCAL : placed.placement(), out);
        if (json != null)
        {
            write(json, result);
        }
        result.failures().forEach(failure -> out.println("# FAILED: " + failure));
        out.flush();
        return result.passed() ? 0 : 1;
    }

    private boolean onHosts()
    {
        return switch (rackAggregators)
        {
            case "switch" -> false;
            case "hosts" -> true;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--rack-aggregators " + rackAggregators
                + ": use switch (one in each rack switch) or hosts (sharded over the rack's worker hosts)");
        };
    }

    private static void write(final Path file, final AllReduceRun.Result result) throws IOException
    {
        Files.writeString(file, result.rows().stream().map(Row::json).collect(Collectors.joining(",\n  ", "[\n  ", "\n]\n")),
            StandardCharsets.UTF_8);
    }
}
