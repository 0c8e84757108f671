package io.fusewire.perf.fusion;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.fuse.FusedTensor;
import io.fusewire.fusion.fuse.FusionContext;
import io.fusewire.fusion.fuse.TensorFusion;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.JobOptions;
import io.fusewire.perf.cli.LocalCluster;
import io.fusewire.perf.cli.Spread;
import io.fusewire.transport.support.TimerSlack;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One worker of {@code perf fusion} and {@code perf index}: queries arrive as a Poisson process drawn
 * from a seed every worker shares, so all workers see the same queries at the same moments; each is
 * reduced on its own ({@code sync}) or through tensor fusion ({@code fused}). Latency runs from a
 * query's scheduled arrival to its result. {@code calibrate} measures the closed-loop capacity of
 * both instead.
 */
@Command(name = "fusion-worker", hidden = true, mixinStandardHelpOptions = true, description = "One worker of 'fusewire perf fusion'.")
public final class FusionWorkerCommand implements Callable<Integer>
{
    /** Closed-loop rounds of a calibration; the last {@link #COUNTED_ROUNDS} are its figure. */
    private static final int CALIBRATION_ROUNDS = 8;
    private static final int COUNTED_ROUNDS = 3;
    /** Queries of a warm-up round; of a counted round, at least. */
    private static final int ROUND_QUERIES = 2_000;
    private static final int MAX_ROUND_QUERIES = 60_000;
    /** About how long a counted round lasts, seconds. */
    private static final double COUNTED_ROUND_S = 1.0;

    /**
     * Seconds of arrivals at the offered rate the query tensors are allocated for before the clock
     * starts: a backlog that deep is overload, and only beyond it does an arrival allocate.
     */
    private static final double RESERVE_S = 1.0;

    @Mixin
    JobOptions job;

    @Option(names = "--mode", required = true, description = "sync, fused or calibrate")
    String mode;

    @Option(names = "--workload", defaultValue = "allreduce", description = "allreduce (small tensors) or index (a linear layer)")
    String workload;

    @Option(names = "--features-in", defaultValue = "1024")
    int featuresIn;

    @Option(names = "--features-out", defaultValue = "256")
    int featuresOut;

    @Option(names = "--rate", defaultValue = "1000")
    double rate;

    @Option(names = "--sizes", split = ",", defaultValue = "4K,16K,64K")
    String[] sizes;

    @Option(names = "--duration-s", defaultValue = "10")
    double durationSeconds;

    @Option(names = "--warmup-s", defaultValue = "2")
    double warmupSeconds;

    @Option(names = "--fill", defaultValue = "0.75")
    double fill;

    @Option(names = "--deadline-us", defaultValue = "250")
    long deadlineMicros;

    @Option(names = "--fire-when-idle", defaultValue = "true", arity = "1")
    boolean fireWhenIdle;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(names = "--out")
    Path out;

    @Option(names = "--timeout-ms", defaultValue = "120000")
    long timeoutMs;

    private QueryTensors tensors;

    @Override
    public Integer call()
    {
        final long[] bytes = Arrays.stream(sizes).mapToLong(ByteSize::parse).toArray();
        final CommunicatorContext context = job.communicator(timeoutMs);
        try (QueryTensors pool = new QueryTensors();
            Communicator communicator = Communicator.connect(context);
            TensorFusion fusion = new TensorFusion(communicator, new FusionContext().fillThreshold(fill).deadlineMicros(deadlineMicros)
                .fireWhenIdle(fireWhenIdle)
                .agreementTimeoutMs(timeoutMs)))
        {
            final Workload work = "index".equals(workload) ? new Workload.LinearLayer(job.rank(), job.workers(), featuresIn, featuresOut)
                : new Workload.Small(job.rank(), job.workers());
            tensors = pool;
            barrier(communicator);
            if ("calibrate".equals(mode))
            {
                final double[] sync = calibrate(communicator, bytes, work, alone(communicator, work));
                final double[] fused = calibrate(communicator, bytes, work, fused(fusion, work));
                System.out.println(LocalCluster.RESULT + "capacity " + String.format(Locale.ROOT, "%.1f %.1f", counted(sync),
                    counted(fused)) + " " + rounds(sync) + " " + rounds(fused));
                return 0;
            }
            final Query query = "fused".equals(mode) ? fused(fusion, work) : alone(communicator, work);
            reserve(bytes, work);
            capacity(ROUND_QUERIES, bytes, work, query);
            return poisson(bytes, work, query, commonStart(communicator));
        }
        catch (final Exception ex)
        {
            System.out.println(LocalCluster.FAILED + "rank " + job.rank() + ": " + ex.getMessage());
            return 1;
        }
    }

    /**
     * Lines the workers' clocks up: every worker leaves this collective at about the same moment,
     * so their schedules of arrivals start together (else the first worker's queries would wait for
     * the last worker's start).
     */
    private void barrier(final Communicator communicator) throws Exception
    {
        final MemorySegment token = Arena.ofAuto().allocate(4);
        for (int i = 0; i < 3; i++)
        {
            communicator.allReduce(token, DataType.INT32, ReduceOp.SUM).get(timeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The moment every worker's schedule of arrivals starts: rank 0's clock 20 ms from now. The
     * workers of {@code perf fusion} share one host, so they share the monotonic clock; a barrier
     * alone leaves them as far apart as their wake-ups after it (measured: up to 4 ms on 2 busy
     * cores), which the early worker's queries would wait.
     */
    private long commonStart(final Communicator communicator) throws Exception
    {
        return fromRankZero(communicator, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
    }

    /** @return rank 0's {@code value} on every worker (a SUM to which the others add zeros). */
    private long fromRankZero(final Communicator communicator, final long value) throws Exception
    {
        final MemorySegment word = Arena.ofAuto().allocate(8);
        if (communicator.rank() == 0)
        {
            word.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        }
        communicator.allReduce(word, DataType.INT32, ReduceOp.SUM).get(timeoutMs, TimeUnit.MILLISECONDS);
        return word.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    /** One query: reduce the tensor; completes with whether the result is right. */
    private interface Query
    {
        CompletableFuture<Boolean> run(int query, MemorySegment data);
    }

    private static Query alone(final Communicator communicator, final Workload work)
    {
        return (query, data) -> communicator.allReduce(data, DataType.FLOAT32, ReduceOp.SUM).thenApply(result -> work.check(query, result));
    }

    private static Query fused(final TensorFusion fusion, final Workload work)
    {
        return (query, data) -> fusion.submit(data, DataType.FLOAT32, ReduceOp.SUM).thenApply(result ->
        {
            try (FusedTensor tensor = result)
            {
                return work.check(query, tensor.segment());
            }
        });
    }

    /**
     * Allocates, before the clock starts, the query tensors of {@link #RESERVE_S} seconds of arrivals,
     * each size in its share of the draws (why: {@link QueryTensors}).
     */
    private void reserve(final long[] sizes, final Workload work)
    {
        final Map<Long, Integer> draws = new HashMap<>();
        for (final long drawn : sizes)
        {
            draws.merge(work.bytes(drawn), 1, Integer::sum);
        }
        draws.forEach((tensorBytes, count) -> tensors.reserve(tensorBytes, (int)Math.ceil(rate * RESERVE_S * count / sizes.length)));
    }

    /** Builds query {@code q}'s tensor in a pooled buffer and runs it; the buffer goes back once it is answered. */
    private CompletableFuture<Boolean> ask(final int q, final long drawn, final Workload work, final Query query)
    {
        final MemorySegment data = tensors.take(work.bytes(drawn));
        work.fill(q, data);
        return query.run(q, data).whenComplete((right, error) -> tensors.give(data));
    }

    /**
     * Open loop: queries arrive on schedule whether or not earlier ones finished. The first
     * {@code --warmup-s} seconds of arrivals are not counted: at a new load the JIT compiles paths the
     * closed-loop warm-up did not make hot (measured: the first 0.5 s of a fused run at 500 q/s had
     * a median of 1.1 ms against 0.16 ms from the second second on). The arrival thread parks until
     * each query's moment with a timer slack of 1 us (the kernel's 50 us default made arrivals
     * 80-90 us late at the median); how late they still start is reported with the result, as the
     * harness's own share of every latency.
     */
    private int poisson(final long[] bytes, final Workload work, final Query query, final long startNs)
        throws IOException, InterruptedException
    {
        TimerSlack.tighten();
        final SplittableRandom random = new SplittableRandom(seed);
        final int warm = (int)(rate * warmupSeconds);
        final int queries = (int)Math.max(1, rate * durationSeconds);
        final long[] latencyNs = new long[queries];
        final long[] lateNs = new long[queries];
        final AtomicLong wrong = new AtomicLong();
        final Semaphore done = new Semaphore(0);
        long atNs = startNs;
        long measuredFromNs = startNs;
        for (int q = 0; q < warm + queries; q++)
        {
            atNs += (long)(-Math.log(1 - random.nextDouble()) / rate * 1e9);
            final long size = bytes[random.nextInt(bytes.length)];
            final long waitNs = atNs - System.nanoTime();
            if (waitNs > 0)
            {
                LockSupport.parkNanos(waitNs);
            }
            final int index = q - warm;
            final long scheduledNs = atNs;
            if (index == 0)
            {
                measuredFromNs = scheduledNs;
            }
            if (index >= 0)
            {
                lateNs[index] = System.nanoTime() - scheduledNs;
            }
            ask(q, size, work, query).whenComplete((right, error) ->
            {
                if (index >= 0)
                {
                    latencyNs[index] = System.nanoTime() - scheduledNs;
                }
                if (error != null || !right)
                {
                    wrong.incrementAndGet();
                }
                done.release();
            });
        }
        if (!done.tryAcquire(warm + queries, timeoutMs, TimeUnit.MILLISECONDS))
        {
            throw new IllegalStateException("queries still unanswered " + timeoutMs + " ms after the last arrival");
        }
        final double seconds = (System.nanoTime() - measuredFromNs) / 1e9;
        try (PrintWriter file = new PrintWriter(Files.newBufferedWriter(out)))
        {
            for (final long ns : latencyNs)
            {
                file.println(ns / 1_000);
            }
        }
        Arrays.sort(lateNs);
        System.out.println(LocalCluster.RESULT + queries + " " + String.format(Locale.ROOT, "%.3f", seconds) + " " + wrong.get() + " "
            + lateNs[queries / 2] / 1_000);
        return 0;
    }

    /**
     * The closed-loop capacity, round after round ({@link #CALIBRATION_ROUNDS}, the same on every
     * worker, as collectives must be): the first rounds run while the JIT compiles, and a fresh
     * process's first 2000 queries ran at a fraction of its later rate (measured, 4 KiB, one
     * collective per query: 1050, 3218, 2858, 6137, 4748, 4925, 5132, 3680 q/s in eight rounds; a
     * single round, as this was before, put the loads at 0.3-0.7 of the capacity they were named for),
     * so only the last {@link #COUNTED_ROUNDS} count, by their median. Each of those lasts about
     * {@link #COUNTED_ROUND_S} at the rate rank 0 saw in the last warm-up round (a round of 2000
     * queries lasted 0.1-0.5 s, and its rate swung with the host's hiccups).
     *
     * @return queries per second of every round.
     */
    private double[] calibrate(final Communicator communicator, final long[] bytes, final Workload work, final Query query)
        throws Exception
    {
        final double[] rates = new double[CALIBRATION_ROUNDS];
        final int warm = CALIBRATION_ROUNDS - COUNTED_ROUNDS;
        for (int round = 0; round < warm; round++)
        {
            rates[round] = capacity(ROUND_QUERIES, bytes, work, query);
        }
        final int counted = (int)Math.clamp(fromRankZero(communicator, (long)(rates[warm - 1] * COUNTED_ROUND_S)), ROUND_QUERIES,
            MAX_ROUND_QUERIES);
        for (int round = warm; round < rates.length; round++)
        {
            rates[round] = capacity(counted, bytes, work, query);
        }
        return rates;
    }

    private static double counted(final double[] rates)
    {
        return Spread.median(Arrays.copyOfRange(rates, rates.length - COUNTED_ROUNDS, rates.length));
    }

    /** @return the rates of every round, comma-separated, whole queries per second. */
    private static String rounds(final double[] rates)
    {
        return Arrays.stream(rates).mapToObj(rate -> String.format(Locale.ROOT, "%.0f", rate)).collect(Collectors.joining(","));
    }

    /**
     * Closed loop: a fixed number of queries (the same on every worker, as collectives must be)
     * with up to 256 outstanding; returns queries per second. Also the warm-up before a timed run,
     * so that the JIT has compiled the path being measured.
     */
    private double capacity(final int queries, final long[] bytes, final Workload work, final Query query) throws InterruptedException
    {
        final Semaphore window = new Semaphore(256);
        final SplittableRandom random = new SplittableRandom(seed);
        final long startNs = System.nanoTime();
        for (int q = 0; q < queries; q++)
        {
            if (!window.tryAcquire(timeoutMs, TimeUnit.MILLISECONDS))
            {
                throw new IllegalStateException("calibration stalled after " + q + " queries");
            }
            ask(q, bytes[random.nextInt(bytes.length)], work, query).whenComplete((right, error) -> window.release());
        }
        if (!window.tryAcquire(256, timeoutMs, TimeUnit.MILLISECONDS))
        {
            throw new IllegalStateException("calibration did not finish");
        }
        return queries / ((System.nanoTime() - startNs) / 1e9);
    }
}
