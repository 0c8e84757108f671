package io.fusewire.perf.allreduce;

import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.perf.cli.Placement;
import io.fusewire.perf.testbed.TestbedPlacement;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
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
            "workers; hfba-high / hfba-low: ViFusion's hierarchical host-based baseline, 1 KiB / 4 KiB tensors, groups of 2."})
    String algorithm;

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

    @Option(names = "--testbed", arity = "0..1", fallbackValue = "tb", paramLabel = "NAME",
        description = {"Run each worker and aggregator in a host of the testbed NAME (default tb; see `fusewire testbed`), one",
            "process per host, over tcp, placed by --place; a ring's or HFBA's store runs in worker 0's host."})
    String testbed;

    @Option(names = "--place", defaultValue = "topology", paramLabel = "POLICY", description = {"With --testbed: 'topology' (default)",
        "shares workers and aggregators out rack by rack in the job's proportion, over the racks discovered from the hosts' routes;",
        "'in-order' puts workers on the first hosts and aggregators on the last, as a launcher without topology would."})
    String place;

    @Option(names = "--json", description = "Also write the rows to this file as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final AllReduceRun.Options options = sweep.toRun(algorithm, workers, aggregators, factor, iterations, check, chunk, window, progress,
            trace);
        if (testbed == null && spec.commandLine().getParseResult().hasMatchedOption("--place"))
        {
            throw new IllegalArgumentException("--place places processes on a testbed's hosts: add --testbed [NAME]");
        }
        final TestbedPlacement.Placed placed = testbed == null ? null : placeOnTestbed();
        out.println("# fusewire perf allreduce: " + algorithm + ", " + workers + " workers, "
            + ("aggregator".equals(algorithm) ? aggregators + " aggregators, chunk " + chunk + ", window " + window + ", progress " + progress + ", " : "")
            + sweep.transport());
        if (placed != null)
        {
            out.println("# placement (" + place + "): " + placed.job().describe());
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

    private TestbedPlacement.Placed placeOnTestbed()
    {
        if (!"tcp".equals(sweep.transport()))
        {
            throw new IllegalArgumentException("--testbed runs over --transport tcp (its hosts share no memory and have no RDMA"
                + " device); got " + sweep.transport());
        }
        final TestbedPlacement.Policy policy = switch (place)
        {
            case "topology" -> TestbedPlacement.Policy.TOPOLOGY;
            case "in-order" -> TestbedPlacement.Policy.IN_ORDER;
            default -> throw new IllegalArgumentException("--place " + place + ": use topology or in-order");
        };
        return TestbedPlacement.place(testbed, workers, "aggregator".equals(algorithm) ? aggregators : 0, policy);
    }

    private static void write(final Path file, final AllReduceRun.Result result) throws IOException
    {
        Files.writeString(file, result.rows().stream().map(Row::json).collect(Collectors.joining(",\n  ", "[\n  ", "\n]\n")),
            StandardCharsets.UTF_8);
    }
}
