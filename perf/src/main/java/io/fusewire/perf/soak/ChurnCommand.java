package io.fusewire.perf.soak;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.LocalCluster;
import io.fusewire.transport.TransportContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf churn}: one aggregator daemon process serves many short jobs one after
 * another, as a shared daemon does for days: each job's workers join, run a few checked AllReduces
 * and leave; every few jobs a worker walks out in the middle of a collective, which must fail the
 * others naming it. The daemon's descriptors, threads and resident memory are sampled after the
 * first jobs and at the end: what it holds must come back to where it was.
 */
@Command(name = "churn", mixinStandardHelpOptions = true,
    description = {"Many short jobs against one aggregator daemon process, some failing mid-collective; checks every sum and that",
        "the daemon's file descriptors, threads and RSS stay flat from the first jobs to the end."})
public final class ChurnCommand implements Callable<Integer>
{
    private static final int WARM_JOBS = 10;
    private static final long FAILURE_BOUND_MS = 15_000;
    /** Descriptors and threads a JVM opens and ends by itself now and then (compiler, collector, attach listener). */
    private static final int SLACK = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--jobs", defaultValue = "200", description = "Jobs, one after another (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--workers", defaultValue = "3", description = "Workers per job (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--collectives", defaultValue = "4", description = "Checked AllReduces per job (default: ${DEFAULT-VALUE}).")
    int collectives;

    @Option(names = "--fail-every", defaultValue = "10", description = "Every n-th job a worker leaves mid-collective; 0: none (default: ${DEFAULT-VALUE}).")
    int failEvery;

    @Option(names = "--transport", defaultValue = "tcp", description = "shm or tcp (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--max-growth", defaultValue = "32M", description = "Most the daemon's RSS may grow after the first jobs (default: ${DEFAULT-VALUE}).")
    String maxGrowth;

    @Option(names = "--timeout-s", defaultValue = "1800", description = "Bound on the jobs (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (jobs <= WARM_JOBS || workers < 2 || collectives < 2 || failEvery < 0)
        {
            throw new IllegalArgumentException("--jobs above " + WARM_JOBS + ", --workers and --collectives at least 2, --fail-every 0 or more");
        }
        final List<String> problems = new ArrayList<>();
        int failed = 0;
        try (LocalCluster cluster = new LocalCluster(out, timeoutSeconds).jvmOptions(SoakCommand.JVM_OPTIONS);
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor())
        {
            final List<String> aggregators = cluster.startAggregators(1, transport);
            final long pid = cluster.aggregatorPids().getFirst();
            DaemonSample warm = null;
            final long start = System.nanoTime();
            final long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            for (int job = 0; job < jobs && problems.isEmpty(); job++)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    problems.add("only " + job + " of " + jobs + " jobs ran within --timeout-s " + timeoutSeconds);
                    break;
                }
                final boolean failing = failEvery > 0 && job % failEvery == failEvery - 1;
                final String problem = runJob(threads, aggregators, cluster.job() + job, failing);
                if (problem != null)
                {
                    problems.add("job " + job + ": " + problem);
                }
                failed += failing ? 1 : 0;
                if (job == WARM_JOBS - 1)
                {
                    warm = settled(pid);
                }
            }
            final DaemonSample end = settled(pid);
            out.printf("# %d jobs of %d workers (%d left mid-collective) in %.1f s against daemon pid %d over %s%n", jobs, workers, failed,
                (System.nanoTime() - start) / 1e9, pid, transport);
            if (warm != null)
            {
                out.println("# after " + WARM_JOBS + " jobs: " + warm.describe());
                out.println("# after " + jobs + " jobs: " + end.describe());
                verdict(warm, end, problems);
            }
        }
        problems.forEach(problem -> out.println("# FAILED: " + problem));
        out.println(problems.isEmpty() ? "# churn passed: every sum right, every walk-out failed the others, the daemon flat" : "# churn failed");
        out.flush();
        return problems.isEmpty() ? 0 : 1;
    }

    private void verdict(final DaemonSample warm, final DaemonSample end, final List<String> problems)
    {
        for (final DaemonSample sample : new DaemonSample[] {warm, end})
        {
            if (sample.fds() == ProcessMemory.UNKNOWN || sample.threads() == ProcessMemory.UNKNOWN || sample.rss() == ProcessMemory.UNKNOWN)
            {
                problems.add("the daemon's /proc entries could not be read");
                return;
            }
        }
        if (end.fds() > warm.fds() + SLACK)
        {
            problems.add("the daemon holds " + (end.fds() - warm.fds()) + " more file descriptors than after the first jobs");
        }
        if (end.threads() > warm.threads() + SLACK)
        {
            problems.add("the daemon runs " + (end.threads() - warm.threads()) + " more threads than after the first jobs");
        }
        if (end.rss() - warm.rss() > ByteSize.parse(maxGrowth))
        {
            problems.add("the daemon's RSS grew " + ProcessMemory.mib(end.rss() - warm.rss()) + " MiB, more than --max-growth " + maxGrowth);
        }
    }

    /**
     * @return the daemon's sample once its last job's connections are gone (bounded), after a full
     *         collection in the daemon (jcmd GC.run), so that RSS shows what the daemon holds rather
     *         than when it last collected.
     */
    private static DaemonSample settled(final long pid) throws InterruptedException
    {
        final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try
        {
            final Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!gc.waitFor(30, TimeUnit.SECONDS))
            {
                gc.destroyForcibly();
            }
        }
        catch (final IOException ex)
        {
            // no jcmd in this runtime: the sample shows the collector's own timing
        }
        DaemonSample sample = DaemonSample.of(pid);
        for (int i = 0; i < 20; i++)
        {
            Thread.sleep(100);
            final DaemonSample next = DaemonSample.of(pid);
            if (next.fds() == sample.fds() && next.threads() == sample.threads())
            {
                return next;
            }
            sample = next;
        }
        return sample;
    }

    /** @return what went wrong with one job, or null. */
    private String runJob(final ExecutorService threads, final List<String> aggregators, final long jobId, final boolean failing)
        throws InterruptedException
    {
        final SplittableRandom random = new SplittableRandom(jobId);
        final long[] elements = new long[collectives];
        for (int c = 0; c < collectives; c++)
        {
            elements[c] = 1 + random.nextLong(64 * 1024);
        }
        final List<CompletableFuture<String>> ranks = new ArrayList<>();
        for (int rank = 0; rank < workers; rank++)
        {
            final CommunicatorContext ctx = new CommunicatorContext().jobId(jobId).secret("churn").rank(rank).worldSize(workers)
                .aggregators(aggregators).transport(transport).timeoutMs(FAILURE_BOUND_MS)
                .transportContext(TransportContext.fromProperties(null));
            final boolean walksOut = failing && rank == workers - 1;
            ranks.add(CompletableFuture.supplyAsync(() -> worker(ctx, elements, walksOut, failing), threads));
        }
        String problem = null;
        for (final CompletableFuture<String> rank : ranks)
        {
            try
            {
                final String result = rank.get(FAILURE_BOUND_MS * 4, TimeUnit.MILLISECONDS);
                problem = problem != null ? problem : result;
            }
            catch (final ExecutionException | TimeoutException ex)
            {
                problem = problem != null ? problem : "a worker did not finish within " + FAILURE_BOUND_MS * 4 + " ms: " + ex;
            }
        }
        return problem;
    }

    /** @return what went wrong on one rank, or null: sums right, or (in a failing job) the collective after the walk-out failed. */
    private static String worker(final CommunicatorContext ctx, final long[] elements, final boolean walksOut, final boolean failing)
    {
        try (Communicator communicator = Communicator.connect(ctx))
        {
            final MemorySegment buffer = communicator.allocate(Arrays.stream(elements).max().orElseThrow() * Float.BYTES);
            for (int c = 0; c < elements.length; c++)
            {
                if (walksOut && c == elements.length / 2)
                {
                    return null; // leaves its job with the others in the middle of collective c
                }
                final MemorySegment data = buffer.asSlice(0, elements[c] * Float.BYTES);
                for (long i = 0; i < elements[c]; i++)
                {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 97) + ctx.rank());
                }
                try
                {
                    communicator.allReduceBlocking(data, DataType.FLOAT32, ReduceOp.SUM);
                }
                catch (final IllegalStateException ex)
                {
                    // the walk-out comes after the leaver's collective before it, which the others may still be finishing
                    return failing && c >= elements.length / 2 - 1 ? null : "rank " + ctx.rank() + ", collective " + c + ": " + ex;
                }
                final int n = ctx.worldSize();
                for (long i = 0; i < elements[c]; i++)
                {
                    final float expected = n * (i % 97) + n * (n - 1) / 2f;
                    if (data.getAtIndex(ValueLayout.JAVA_FLOAT, i) != expected)
                    {
                        return "rank " + ctx.rank() + ", collective " + c + ": element " + i + " is " + data.getAtIndex(ValueLayout.JAVA_FLOAT, i)
                            + ", not " + expected;
                    }
                }
            }
            return failing ? "rank " + ctx.rank() + " completed every collective although a worker walked out" : null;
        }
        catch (final RuntimeException ex)
        {
            return "rank " + ctx.rank() + ": " + ex;
        }
    }
}
