package io.fusewire.perf.allreduce;

import io.fusewire.aggregator.AggregatorNode;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.ChildJvm;
import io.fusewire.perf.cli.Sizes;
import io.fusewire.topology.store.StoreServer;
import io.fusewire.transport.Fabric;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    private static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

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
     * @param timeoutSeconds bound on the whole run.
     */
    public record Options(String algorithm, int workers, int aggregators, String transport, String minBytes, String maxBytes,
        int factor, int iterations, boolean check, String chunk, int window, long timeoutSeconds)
    {
        /** @throws IllegalArgumentException saying which option is wrong. */
        public Options
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
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.timeoutSeconds());
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final List<ChildJvm> processes = new ArrayList<>();
        StoreServer store = null;
        final SweepCollector collector = new SweepCollector(options.workers(), row -> out.println(row.format()));
        try
        {
            final boolean baseline = !"aggregator".equals(options.algorithm());
            if (baseline)
            {
                store = new StoreServer("127.0.0.1", 0);
            }
            final List<String> addresses = baseline ? List.of("tcp://" + store.address())
                : startAggregators(options, out, processes, deadlineNs);
            final long job = new SecureRandom().nextLong() & Long.MAX_VALUE;
            final String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
            out.println(Row.HEADER);
            final List<ChildJvm> workers = new ArrayList<>();
            for (int rank = 0; rank < options.workers(); rank++)
            {
                final int r = rank;
                workers.add(ChildJvm.start("worker " + rank, workerArguments(options, rank, addresses, job, secret), null, line ->
                {
                    if (line.startsWith(AllReduceWorkerCommand.RESULT))
                    {
                        collector.accept(r, line.substring(AllReduceWorkerCommand.RESULT.length()));
                    }
                    else if (line.startsWith(AllReduceWorkerCommand.FAILED))
                    {
                        failures.add(line.substring(AllReduceWorkerCommand.FAILED.length()));
                    }
                    else if (!line.equals(INCUBATOR_NOTICE))
                    {
                        out.println("[worker " + r + "] " + line);
                    }
                }));
            }
            processes.addAll(workers);
            for (final ChildJvm worker : workers)
            {
                final Integer code = worker.awaitExit(deadlineNs - System.nanoTime());
                if (code == null)
                {
                    failures.add(worker.name() + " did not finish within " + options.timeoutSeconds() + " s");
                }
                else if (code != 0 && failures.isEmpty())
                {
                    failures.add(worker.name() + " exited with code " + code);
                }
            }
        }
        catch (final TimeoutException ex)
        {
            failures.add("an aggregator did not start listening within " + options.timeoutSeconds() + " s");
        }
        finally
        {
            for (final ChildJvm process : processes)
            {
                process.close();
            }
            if (store != null)
            {
                store.close();
            }
        }
        out.flush();
        final int expected = Sizes.sweep(ByteSize.parse(options.minBytes()), ByteSize.parse(options.maxBytes()), options.factor()).length;
        return new Result(collector.rows(), expected, List.copyOf(failures));
    }

    private static List<String> startAggregators(final Options options, final PrintWriter out, final List<ChildJvm> processes,
        final long deadlineNs) throws Exception
    {
        for (int a = 0; a < options.aggregators(); a++)
        {
            final int index = a;
            processes.add(ChildJvm.start("aggregator " + a, List.of("aggregator", "--listen", "127.0.0.1:0", "--transport",
                options.transport()), AggregatorNode.LISTENING, line ->
            {
                if (line.contains(" WARNING ") || line.contains(" ERROR ") || line.contains("Exception"))
                {
                    out.println("[aggregator " + index + "] " + line);
                }
            }));
        }
        final List<String> addresses = new ArrayList<>();
        for (final ChildJvm aggregator : processes)
        {
            addresses.add(aggregator.announcement().get(Math.max(1, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS));
        }
        return addresses;
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
            "--window", Integer.toString(options.window()), "--timeout-ms",
            Long.toString(TimeUnit.SECONDS.toMillis(options.timeoutSeconds()))));
        if (options.check())
        {
            arguments.add("--check");
        }
        return arguments;
    }
}
