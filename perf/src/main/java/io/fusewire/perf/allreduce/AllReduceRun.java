package io.fusewire.perf.allreduce;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.LocalCluster;
import io.fusewire.perf.cli.Placement;
import io.fusewire.perf.cli.Sizes;
import io.fusewire.transport.Fabric;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * An AllReduce sweep through dedicated aggregators, every worker and aggregator a process of its
 * own: starts the aggregators, then the workers of one job, prints nccl-tests rows as the sizes
 * complete, and reports what failed.
 */
public final class AllReduceRun
{
    /** The algorithms a run can take. */
    public static final List<String> ALGORITHMS = List.of("aggregator", "ring", "hfba-high", "hfba-low", "hierarchical");
    /** The two-tier algorithm: rack aggregators in the testbed's rack switches, so it runs on a testbed only. */
    public static final String HIERARCHICAL = "hierarchical";
    /** The port rack aggregators listen on, each in its own switch's namespace. */
    private static final int RACK_AGGREGATOR_PORT = 29500;

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
     * @param trace          workers print where each size's collectives spend their time (aggregator only).
     * @param timeoutSeconds bound on the whole run.
     */
    public record Options(String algorithm, int workers, int aggregators, String transport, String minBytes, String maxBytes,
        int factor, int iterations, boolean check, String chunk, int window, String progress, boolean trace, long timeoutSeconds)
    {
        /** @throws IllegalArgumentException saying which option is wrong. */
        public Options
        {
            if (!List.of("caller", "agent").contains(progress))
            {
                throw new IllegalArgumentException("unknown progress '" + progress + "': use caller or agent");
            }
            checkJob(algorithm, workers, aggregators, transport);
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
     * Checks the shape of a job of harness processes on one host.
     *
     * @param algorithm   aggregator, ring, hfba-high or hfba-low.
     * @param workers     N.
     * @param aggregators A.
     * @param transport   shm, tcp or verbs.
     * @throws IllegalArgumentException saying which is wrong and what it may be.
     */
    public static void checkJob(final String algorithm, final int workers, final int aggregators, final String transport)
    {
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
    }

    /**
     * Starts what the workers of a job connect to: the aggregator daemons, the rack aggregators the
     * placement names (hierarchical), or for the baselines a rendezvous store.
     *
     * @param cluster     the run's processes.
     * @param algorithm   aggregator, hierarchical, ring, hfba-high or hfba-low.
     * @param aggregators A (flat aggregators only).
     * @param transport   shm, tcp or verbs.
     * @return the aggregators' addresses, or the store's.
     * @throws Exception if an aggregator did not come up in time (a {@link TimeoutException}) or a port could not be bound.
     */
    public static List<String> startEndpoints(final LocalCluster cluster, final String algorithm, final int aggregators,
        final String transport) throws Exception
    {
        return switch (algorithm)
        {
            case "aggregator" -> cluster.startAggregators(aggregators, transport);
            case HIERARCHICAL -> cluster.startRackAggregators(transport, RACK_AGGREGATOR_PORT);
            default -> List.of(cluster.startStore());
        };
    }

    /**
     * The arguments every harness worker takes: the command, its algorithm and who it is in the job.
     *
     * @param command   the hidden worker command, e.g. allreduce-worker.
     * @param algorithm aggregator, ring, hfba-high or hfba-low.
     * @param rank      the worker's rank.
     * @param workers   N.
     * @param endpoints from {@link #startEndpoints}.
     * @param transport shm, tcp or verbs.
     * @param cluster   the run's processes (job id; the secret goes by environment).
     * @return a list the caller may add its own arguments to.
     */
    public static List<String> jobArguments(final String command, final String algorithm, final int rank, final int workers,
        final List<String> endpoints, final String transport, final LocalCluster cluster)
    {
        return new ArrayList<>(List.of(command, "--algo", algorithm, "--rank", Integer.toString(rank), "--workers", Integer.toString(workers),
            "aggregator".equals(algorithm) ? "--aggregators" : "--store", String.join(",", endpoints), "--transport", transport,
            "--job", Long.toString(cluster.job())));
    }

    /**
     * @param options what to run.
     * @param out     where the table and the processes' warnings go.
     * @return the rows and failures.
     * @throws Exception if the processes cannot be started.
     */
    public static Result run(final Options options, final PrintWriter out) throws Exception
    {
        return run(options, Placement.LOCAL, out);
    }

    /**
     * @param options   what to run.
     * @param placement where its processes run.
     * @param out       where the table and the processes' warnings go.
     * @return the rows and failures.
     * @throws Exception if the processes cannot be started.
     */
    public static Result run(final Options options, final Placement placement, final PrintWriter out) throws Exception
    {
        if (HIERARCHICAL.equals(options.algorithm()) && placement.workerGroups().isEmpty())
        {
            throw new IllegalArgumentException("--algo hierarchical runs on a testbed (--testbed NAME --transport tcp): its tiers are"
                + " the racks, its rack aggregators the rack switches");
        }
        final List<String> failures = new ArrayList<>();
        final SweepCollector collector = new SweepCollector(options.workers(), row -> out.println(row.format()));
        try (LocalCluster cluster = new LocalCluster(out, options.timeoutSeconds()).placement(placement))
        {
            final List<String> endpoints = startEndpoints(cluster, options.algorithm(), options.aggregators(), options.transport());
            out.println(Row.HEADER);
            cluster.startWorkers(options.workers(), rank -> workerArguments(options, rank, endpoints, cluster), collector::accept);
            failures.addAll(cluster.awaitWorkers());
            if (HIERARCHICAL.equals(options.algorithm()))
            {
                CrossRackTally.lines(cluster.aggregatorPids()).forEach(out::println);
            }
        }
        catch (final TimeoutException ex)
        {
            failures.add("an aggregator or the store did not start listening within " + options.timeoutSeconds() + " s");
        }
        catch (final ExecutionException ex)
        {
            failures.add(ex.getCause().getMessage() + " (its output is above)");
        }
        final int expected = Sizes.sweep(ByteSize.parse(options.minBytes()), ByteSize.parse(options.maxBytes()), options.factor()).length;
        return new Result(collector.rows(), expected, List.copyOf(failures));
    }

    /** @param endpoints the aggregators' addresses, or for the baselines the store's. */
    private static List<String> workerArguments(final Options options, final int rank, final List<String> endpoints,
        final LocalCluster cluster)
    {
        final List<String> arguments;
        final int group = cluster.workerGroup(rank);
        if (group < 0)
        {
            arguments = jobArguments("allreduce-worker", options.algorithm(), rank, options.workers(), endpoints, options.transport(),
                cluster);
        }
        else
        {
            // a two-tier job: each rack's workers are ranks 0..n-1 of its rack aggregators; they contribute and check as global ranks
            final int local = (int)IntStream.range(0, rank).filter(r -> cluster.workerGroup(r) == group).count();
            final int inGroup = (int)IntStream.range(0, options.workers()).filter(r -> cluster.workerGroup(r) == group).count();
            arguments = jobArguments("allreduce-worker", "aggregator", local, inGroup, endpoints.subList(group * cluster.rackShards(), (group + 1) * cluster.rackShards()), options.transport(),
                cluster);
            arguments.addAll(List.of("--global-rank", Integer.toString(rank), "--global-workers", Integer.toString(options.workers())));
        }
        arguments.addAll(List.of("-b", options.minBytes(), "-e", options.maxBytes(), "-f", Integer.toString(options.factor()),
            "--iters", Integer.toString(options.iterations()), "--chunk", options.chunk(), "--window", Integer.toString(options.window()),
            "--progress", options.progress(), "--timeout-ms", Long.toString(options.timeoutSeconds() * 1000),
            "--listen-host", cluster.workerHost(rank)));
        if (options.check())
        {
            arguments.add("--check");
        }
        if (options.trace())
        {
            arguments.add("--trace");
        }
        return arguments;
    }
}
