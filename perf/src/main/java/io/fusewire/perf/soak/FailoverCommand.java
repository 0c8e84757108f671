package io.fusewire.perf.soak;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.worker.FailoverEvent;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.LocalCluster;
import io.fusewire.perf.cli.Spread;
import io.fusewire.transport.TransportContext;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf failover}: what an aggregator failover costs. Workers (threads of this
 * process) run large AllReduces back to back over aggregator daemon processes; in the middle of
 * one of them the first aggregator is killed (SIGKILL) or stopped (SIGSTOP); its chunks go to a
 * standby or to the surviving aggregators. Every element of every collective is checked; the time
 * of the collective that went through the failover is set against those before and after it.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = {"Kills (or stops) an aggregator in the middle of large AllReduces and measures what the failover costs:",
        "every collective checked; medians over repetitions of the collective times before, through and after it."})
public final class FailoverCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "4", description = "Workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--aggregators", defaultValue = "2", description = "Aggregators of the job (default: ${DEFAULT-VALUE}).")
    int aggregators;

    @Option(names = "--standbys", defaultValue = "1", description = "Standby aggregators; 0: the survivors take over (default: ${DEFAULT-VALUE}).")
    int standbys;

    @Option(names = "--transport", defaultValue = "shm", description = "shm or tcp (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--size", defaultValue = "64M", description = "Bytes of fp32 per AllReduce (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--collectives", defaultValue = "7", description = "AllReduces per repetition; the failure comes in the middle one (default: ${DEFAULT-VALUE}).")
    int collectives;

    @Option(names = "--signal", defaultValue = "KILL", description = "KILL (the process dies) or STOP (it goes silent) (default: ${DEFAULT-VALUE}).")
    String signal;

    @Option(names = "--peer-timeout-ms", defaultValue = "2000", description = "Silence after which a peer is gone (default: ${DEFAULT-VALUE}).")
    long peerTimeoutMs;

    @Option(names = "--reps", defaultValue = "3", description = "Repetitions, each with daemons of its own (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--timeout-s", defaultValue = "600", description = "Bound on each repetition (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** One repetition: rank 0's collective times before and after the failure, the slowest rank's through it, the failovers seen. */
    private record Rep(double beforeMs, double throughMs, double afterMs, long resumedMs, int results, long wrong, String problem)
    {
    }

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (workers < 2 || aggregators < 1 || standbys < 0 || aggregators + standbys < 2 || collectives < 6 || reps < 1
            || !List.of("KILL", "STOP").contains(signal))
        {
            throw new IllegalArgumentException("--workers 2 or more, --aggregators plus --standbys 2 or more, --collectives 6 or more, "
                + "--reps 1 or more, --signal KILL or STOP");
        }
        final long elements = ByteSize.parse(size) / Float.BYTES;
        out.printf("# failover: %d workers, %d aggregators + %d standbys over %s, %s AllReduces of fp32, SIG%s to aggregator 0 in"
            + " collective %d of %d, %d reps%n", workers, aggregators, standbys, transport, size, signal, collectives / 2, collectives, reps);
        out.println("rep,before_ms,through_ms,after_ms,resumed_ms,results_resent,wrong");
        final List<Rep> done = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++)
        {
            final Rep result = repetition(out, elements);
            done.add(result);
            out.printf("%d,%.1f,%.1f,%.1f,%d,%d,%d%n", rep, result.beforeMs, result.throughMs, result.afterMs, result.resumedMs,
                result.results, result.wrong);
            out.flush();
            if (result.problem != null)
            {
                problems.add("rep " + rep + ": " + result.problem);
            }
        }
        out.println("# medians [min-max] over " + reps + " reps: collective before " + spread(done, Rep::beforeMs) + " ms, through the"
            + " failover " + spread(done, Rep::throughMs) + " ms, after " + spread(done, Rep::afterMs) + " ms; workers resumed "
            + spread(done, rep -> rep.resumedMs) + " ms after the failure was seen");
        problems.forEach(problem -> out.println("# FAILED: " + problem));
        out.println(problems.isEmpty() ? "# failover passed: every collective completed, every element right" : "# failover failed");
        out.flush();
        return problems.isEmpty() ? 0 : 1;
    }

    private Rep repetition(final PrintWriter out, final long elements) throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(out, timeoutSeconds).jvmOptions(SoakCommand.JVM_OPTIONS))
        {
            final List<String> addresses = cluster.startAggregators(aggregators, standbys, transport);
            final long victim = cluster.aggregatorPids().getFirst();
            final long job = cluster.job();
            final List<CompletableFuture<Communicator>> joining = new ArrayList<>();
            for (int rank = 0; rank < workers; rank++)
            {
                final CommunicatorContext ctx = new CommunicatorContext().jobId(job).secret("failover").rank(rank).worldSize(workers)
                    .aggregators(addresses.subList(0, aggregators)).standbys(addresses.subList(aggregators, addresses.size()))
                    .transport(transport).transportContext(TransportContext.fromProperties(null).peerTimeoutMs(peerTimeoutMs));
                joining.add(CompletableFuture.supplyAsync(() -> Communicator.connect(ctx), command -> Thread.ofVirtual().start(command)));
            }
            final List<Communicator> comms = new ArrayList<>();
            for (final CompletableFuture<Communicator> join : joining)
            {
                comms.add(join.get(timeoutSeconds, TimeUnit.SECONDS));
            }
            final int failAt = collectives / 2;
            final double[][] ms = new double[workers][collectives];
            final CountDownLatch failing = new CountDownLatch(1);
            final CyclicBarrier start = new CyclicBarrier(workers);
            final AtomicLong wrong = new AtomicLong();
            final List<CompletableFuture<Void>> loops = new ArrayList<>();
            for (final Communicator comm : comms)
            {
                final CompletableFuture<Void> loop = new CompletableFuture<>();
                Thread.ofPlatform().name("failover-rank-" + comm.rank()).start(() ->
                {
                    try
                    {
                        run(comm, elements, ms[comm.rank()], start, failAt, failing, wrong);
                        loop.complete(null);
                    }
                    catch (final Exception ex)
                    {
                        loop.completeExceptionally(ex);
                    }
                });
                loops.add(loop);
            }
            String problem = null;
            if (failing.await(timeoutSeconds, TimeUnit.SECONDS))
            {
                Thread.sleep(Math.max(1, (long)(Spread.median(Arrays.copyOfRange(ms[0], 1, failAt)) / 4))); // a quarter in: mid-collective
                new ProcessBuilder("kill", "-" + signal, Long.toString(victim)).inheritIO().start().waitFor();
            }
            for (int rank = 0; rank < workers; rank++)
            {
                try
                {
                    loops.get(rank).get(timeoutSeconds, TimeUnit.SECONDS);
                }
                catch (final Exception ex)
                {
                    final String reason = "rank " + rank + " failed: " + (ex.getCause() != null ? ex.getCause().getMessage() : ex.toString());
                    problem = problem == null ? reason : problem + "; " + reason;
                }
            }
            long resumed = 0;
            int results = 0;
            for (final Communicator comm : comms)
            {
                final List<FailoverEvent> events = comm.failovers();
                if (events.size() != 1 && problem == null)
                {
                    problem = "rank " + comm.rank() + " saw " + events.size() + " failovers: " + events;
                }
                for (final FailoverEvent event : events)
                {
                    resumed = Math.max(resumed, event.tookMs());
                    results += event.results();
                }
                comm.close();
            }
            double through = 0;
            for (final double[] rank : ms)
            {
                through = Math.max(through, Math.max(rank[failAt], rank[failAt + 1])); // the failure may land in the next one
            }
            if (wrong.get() != 0 && problem == null)
            {
                problem = wrong.get() + " wrong elements";
            }
            return new Rep(Spread.median(Arrays.copyOfRange(ms[0], 1, failAt)), through,
                Spread.median(Arrays.copyOfRange(ms[0], failAt + 2, collectives)), resumed, results, wrong.get(), problem);
        }
    }

    /** One worker: fill, line up with the others, AllReduce (timed), check; says when collective failAt starts on rank 0. */
    private void run(final Communicator comm, final long elements, final double[] ms, final CyclicBarrier start, final int failAt,
        final CountDownLatch failing, final AtomicLong wrong) throws Exception
    {
        final MemorySegment tensor = comm.allocate(elements * Float.BYTES);
        final int n = comm.worldSize();
        for (int c = 0; c < collectives; c++)
        {
            for (long i = 0; i < elements; i++)
            {
                tensor.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i + c) % 1021 + comm.rank());
            }
            start.await(timeoutSeconds, TimeUnit.SECONDS);
            if (c == failAt && comm.rank() == 0)
            {
                failing.countDown();
            }
            final long began = System.nanoTime();
            comm.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM);
            ms[c] = (System.nanoTime() - began) / 1e6;
            long bad = 0;
            for (long i = 0; i < elements; i++)
            {
                bad += tensor.getAtIndex(ValueLayout.JAVA_FLOAT, i) == n * ((i + c) % 1021) + n * (n - 1) / 2f ? 0 : 1;
            }
            wrong.addAndGet(bad);
        }
    }

    private static String spread(final List<Rep> reps, final ToDoubleFunction<Rep> field)
    {
        final double[] values = reps.stream().mapToDouble(field).toArray();
        return String.format("%.1f [%.1f-%.1f]", Spread.median(values), Spread.min(values), Spread.max(values));
    }
}
