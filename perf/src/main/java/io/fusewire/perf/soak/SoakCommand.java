package io.fusewire.perf.soak;

import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.perf.allreduce.AllReduceRun;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.LocalCluster;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf soak}: K collectives, every one checked, with sizes, types and operators
 * drawn from a seed, every worker and aggregator a process of its own. Ends with one line,
 * {@code soak: K collectives, W wrong elements, ...}, and exits non-zero on any wrong element, any
 * failure, or memory that grew past the bound over the second half of the run.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = {"Runs K AllReduce collectives and checks every element of every one. Sizes come from a seeded mix:",
        "one element, odd counts, sizes that are not a multiple of the chunk, and one of more than 64 MiB every",
        "--big-every collectives; data types and operators are drawn too (the baselines take 32-bit types only).",
        "Values change with the collective and the rank, so a stale or half-written result is caught.",
        "Prints 'soak: K collectives, W wrong elements, ...' with the processes' resident memory after the warm-up,",
        "half-way and at the end; exits 1 on a wrong element, a failure, or growth beyond --max-growth over the",
        "second half (the first half is when heaps size themselves and mapped pages are first touched)."})
public final class SoakCommand implements Callable<Integer>
{
    /** Every process of a soak has a fixed heap, touched at start, so that its resident size shows leaks, not heap sizing. */
    static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch");

    @Spec
    CommandSpec spec;

    @Option(names = "--algo", defaultValue = "aggregator", description = "aggregator, ring, hfba-high or hfba-low (default: ${DEFAULT-VALUE}).")
    String algorithm;

    @Option(names = "--transport", defaultValue = "shm", description = "shm, tcp or verbs (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--workers", defaultValue = "2", description = "Workers N (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--aggregators", defaultValue = "1", description = "Aggregators A, for --algo aggregator (default: ${DEFAULT-VALUE}).")
    int aggregators;

    @Option(names = {"-n", "--collectives"}, defaultValue = "10000", description = "Collectives K (default: ${DEFAULT-VALUE}).")
    long collectives;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the mix; the same seed draws the same collectives (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-bytes", defaultValue = "1M", description = "Largest of the common collectives (default: ${DEFAULT-VALUE}).")
    String maxBytes;

    @Option(names = "--big-every", defaultValue = "1000",
        description = "One collective of more than 64 MiB in this many, the first at once; 0 for none (default: ${DEFAULT-VALUE}).")
    int bigEvery;

    @Option(names = "--max-growth", defaultValue = "64M",
        description = "Most a process's resident memory may grow from half-way to the end (default: ${DEFAULT-VALUE}).")
    String maxGrowth;

    @Option(names = "--chunk", defaultValue = "256K", description = "Chunk size, for --algo aggregator (default: ${DEFAULT-VALUE}).")
    String chunk;

    @Option(names = "--window", defaultValue = "" + CommunicatorContext.WINDOW_DEFAULT, description = "Slots per aggregator (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--timeout-s", defaultValue = "3600", description = "Bound on the whole run (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final long growthBound = ByteSize.parse(maxGrowth);
        validate();
        out.println("# fusewire perf soak: " + algorithm + ", " + workers + " workers"
            + ("aggregator".equals(algorithm) ? ", " + aggregators + " aggregators" : "") + ", " + transport + ", " + collectives
            + " collectives, seed " + seed + ", common sizes up to " + maxBytes
            + (bigEvery > 0 ? ", one of more than 64 MiB every " + bigEvery : "") + "; processes with " + String.join(" ", JVM_OPTIONS));
        out.flush();
        final SoakTally tally = new SoakTally(workers);
        final List<String> failures = new ArrayList<>();
        try (LocalCluster cluster = new LocalCluster(out, timeoutSeconds).jvmOptions(JVM_OPTIONS).threadDumpsOnFailure())
        {
            final List<String> endpoints = AllReduceRun.startEndpoints(cluster, algorithm, aggregators, transport);
            tally.watchAggregators(cluster.aggregatorPids());
            cluster.startWorkers(workers, rank -> arguments(rank, endpoints, cluster), (rank, line) -> tally.accept(rank, line, out));
            failures.addAll(cluster.awaitWorkers());
            tally.aggregatorsAtEnd();
        }
        catch (final TimeoutException ex)
        {
            failures.add("an aggregator did not start listening within " + timeoutSeconds + " s");
        }
        final SoakTally.Verdict verdict = tally.verdict(collectives, growthBound);
        out.println(verdict.line());
        failures.forEach(failure -> out.println("# FAILED: " + failure));
        verdict.problems().forEach(problem -> out.println("# FAILED: " + problem));
        out.flush();
        return failures.isEmpty() && verdict.problems().isEmpty() ? 0 : 1;
    }

    private void validate()
    {
        AllReduceRun.checkJob(algorithm, workers, aggregators, transport);
        if (AllReduceRun.HIERARCHICAL.equals(algorithm))
        {
            throw new IllegalArgumentException("perf soak runs on one host; --algo hierarchical runs on a testbed (perf allreduce --testbed)");
        }
        if (collectives < 1 || bigEvery < 0 || ByteSize.parse(maxBytes) < 4)
        {
            throw new IllegalArgumentException("--collectives must be at least 1, --big-every 0 or more and --max-bytes at least 4");
        }
    }

    private List<String> arguments(final int rank, final List<String> endpoints, final LocalCluster cluster)
    {
        final List<String> arguments = AllReduceRun.jobArguments("soak-worker", algorithm, rank, workers, endpoints, transport, cluster);
        arguments.addAll(List.of("--collectives", Long.toString(collectives),
            "--warmup", Long.toString(Math.min(1000, collectives / 10)), "--seed", Long.toString(seed), "--max-bytes", maxBytes,
            "--big-every", Integer.toString(bigEvery), "--chunk", chunk, "--window", Integer.toString(window),
            "--timeout-ms", Long.toString(Math.min(120_000, cluster.remainingMs()))));
        return arguments;
    }
}
