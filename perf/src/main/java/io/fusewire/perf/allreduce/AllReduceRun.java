package io.fusewire.perf.allreduce;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.LocalCluster;
import io.fusewire.perf.cli.Sizes;
import io.fusewire.transport.Fabric;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * An AllReduce sweep through dedicated aggregators, every worker and aggregator a process of its
 * own: starts the aggregators, then the workers of one job, prints nccl-tests rows as the sizes
 * complete, and reports what failed.
 */
public final class AllReduceRun
{
    /** The algorithms a run can take. */
    public static final List<String> ALGORITHMS = List.of("aggregator", "ring", "hfba-high", "hfba-low");

    /**
     * What to run.
     *
     * @param algorithm      aggregator, ring, hfba-high or hfba-low.
     * @param workers        N.
     * @param aggregators    A (aggregator only).
     * @param transport      shm or tcp.
     * @param minBytes       smallest size, e.g. 32K.
     * @param maxBytes       largest size.
     * @param factor         size step.
     * @param iterations     timed collectives per size; 0 picks by size.
     * @param check          verify every element of one more collective per size.
     * @param chunk          chunk size, e.g. 256K.
     * @param window         slots per aggregator.
     * @param progress       caller or agent: which thread progresses a worker's collectives (aggregator only).
     * @param timeoutSeconds bound on the whole run.
     */
    public record Options(String algorithm, int workers, int aggregators, String transport, String minBytes, String maxBytes,
        int factor, int iterations, boolean check, String chunk, int window, String progress, long timeoutSeconds)
    {
        /** @throws IllegalArgumentException saying which option is wrong. */
        public Options
        {
            if (!List.of("caller", "agent").contains(progress))
            {
                throw new IllegalArgumentException("unknown progress '" + progress + "': use caller or agent");
            }
            if (!ALGORITHMS.contains(algorithm))
            {
                throw new IllegalArgumentException("unknown algorithm '" + algorithm + "': use one of " + ALGORITHMS);
            }
            if (workers < 1 || workers > 64 || aggregators < 1 || aggregators > 16)
            {
                throw new IllegalArgumentException("use 1..64 workers and 1..16 aggregators on one host; got " + workers + " and " + aggregators);
            }
            if (!Fabric.PROVIDERS.contains(transport))
            {
                throw new IllegalArgumentException("unknown transport '" + transport + "': use one of " + Fabric.PROVIDERS);
            }
            Sizes.sweep(ByteSize.parse(minBytes), ByteSize.parse(maxBytes), factor);
        }
    }

    /**
     * What came of it.
     *
     * @param rows     one per size that every worker finished.
     * @param expected how many sizes the sweep has.
     * @param failures what went wrong, in words.
     */
    public record Result(List<Row> rows, int expected, List<String> failures)
    {
        /** @return true when every size ran, nothing failed, and no checked element was wrong. */
        public boolean passed()
        {
            return failures.isEmpty() && rows.size() == expected && rows.stream().allMatch(row -> row.wrong() <= 0);
        }
    }

    private AllReduceRun()
    {
    }

    /**
     * @param options what to run.
     * @param out     where the table and the processes' warnings go.
     * @return the rows and failures.
     * @throws Exception if the processes cannot be started.
     */
    public static Result run(final Options options, final PrintWriter out) throws Exception
    {
        final List<String> failures = new ArrayList<>();
        final SweepCollector collector = new SweepCollector(options.workers(), row -> out.println(row.format()));
        try (LocalCluster cluster = new LocalCluster(out, options.timeoutSeconds()))
        {
            final List<String> endpoints = "aggregator".equals(options.algorithm())
                ? cluster.startAggregators(options.aggregators(), options.transport()) : List.of(cluster.startStore());
            out.println(Row.HEADER);
            cluster.startWorkers(options.workers(), rank -> workerArguments(options, rank, endpoints, cluster.job(), cluster.secret()),
                collector::accept);
            failures.addAll(cluster.awaitWorkers());
        }
        catch (final TimeoutException ex)
        {
            failures.add("an aggregator did not start listening within " + options.timeoutSeconds() + " s");
        }
        final int expected = Sizes.sweep(ByteSize.parse(options.minBytes()), ByteSize.parse(options.maxBytes()), options.factor()).length;
        return new Result(collector.rows(), expected, List.copyOf(failures));
    }

    /** @param endpoints the aggregators' addresses, or for the baselines the store's. */
    private static List<String> workerArguments(final Options options, final int rank, final List<String> endpoints,
        final long job, final String secret)
    {
        final List<String> arguments = new ArrayList<>(List.of("allreduce-worker", "--algo", options.algorithm(), "--rank",
            Integer.toString(rank), "--workers", Integer.toString(options.workers()),
            "aggregator".equals(options.algorithm()) ? "--aggregators" : "--store", String.join(",", endpoints), "--transport", options.transport(),
            "--job", Long.toString(job), "--secret", secret, "-b", options.minBytes(), "-e", options.maxBytes(), "-f",
            Integer.toString(options.factor()), "--iters", Integer.toString(options.iterations()), "--chunk", options.chunk(),
            "--window", Integer.toString(options.window()), "--progress", options.progress(), "--timeout-ms",
            Long.toString(options.timeoutSeconds() * 1000)));
        if (options.check())
        {
            arguments.add("--check");
        }
        return arguments;
    }
}
