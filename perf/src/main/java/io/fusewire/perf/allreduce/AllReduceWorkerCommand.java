package io.fusewire.perf.allreduce;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.worker.PhaseTrace;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.CheckedSum;
import io.fusewire.perf.cli.JobOptions;
import io.fusewire.perf.cli.LocalCluster;
import io.fusewire.perf.cli.Sizes;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One worker of an AllReduce sweep, in a process of its own; started by {@code perf allreduce}
 * and the demo. Prints a result line per size: the mean time of its timed collectives and,
 * when checking, the elements that differ from the reference sum.
 */
@Command(name = "allreduce-worker", hidden = true, mixinStandardHelpOptions = true,
    description = "One worker of 'fusewire perf allreduce'.")
public final class AllReduceWorkerCommand implements Callable<Integer>
{
    @Mixin
    JobOptions job;

    @Mixin
    ReductionOptions reduce;

    /** Collectives run before the sweep, the same count on every rank, so that no size is timed cold. */
    private static final int JIT_WARMUP = 2_000;

    @Option(names = "-b", defaultValue = "32K", converter = ByteSize.class)
    long minBytes;

    @Option(names = "-e", defaultValue = "32M", converter = ByteSize.class)
    long maxBytes;

    @Option(names = "-f", defaultValue = "2")
    int factor;

    @Option(names = "--iters", defaultValue = "0")
    int iterations;

    @Option(names = "--warmup", defaultValue = "5")
    int warmup;

    @Option(names = "--check")
    boolean check;

    @Option(names = "--global-rank", defaultValue = "-1", description = {"Where this worker joins a part of the job (its rack's",
        "aggregator, in a two-tier one): its rank in the whole job, for the values it contributes and checks (default: --rank)."})
    int globalRank;

    @Option(names = "--global-workers", defaultValue = "-1", description = "With --global-rank: the workers of the whole job.")
    int globalWorkers;

    @Override
    public Integer call()
    {
        try (Reduction reduction = Reduction.open(reduce, job, maxBytes))
        {
            final MemorySegment buffer = reduction.allocate(maxBytes);
            // the JIT compiles the data path during the first thousand or so collectives: run them before any size is timed
            final MemorySegment small = buffer.asSlice(0, Math.min(minBytes, 64 * 1024) / 4 * 4);
            for (int i = 0; i < JIT_WARMUP; i++)
            {
                reduction.apply(small, DataType.FLOAT32, ReduceOp.SUM);
            }
            for (final long size : Sizes.sweep(minBytes, maxBytes, factor))
            {
                final long count = size / DataType.FLOAT32.bytes();
                final MemorySegment data = buffer.asSlice(0, count * DataType.FLOAT32.bytes());
                final int timed = iterations > 0 ? iterations : (int)Math.max(5, Math.min(200, (64L << 20) / size));
                data.fill((byte)0);
                for (int i = 0; i < warmup; i++)
                {
                    reduction.apply(data, DataType.FLOAT32, ReduceOp.SUM);
                }
                final PhaseTrace.Totals before = reduction.trace();
                final long startNs = System.nanoTime();
                for (int i = 0; i < timed; i++)
                {
                    reduction.apply(data, DataType.FLOAT32, ReduceOp.SUM);
                }
                final double meanUs = (System.nanoTime() - startNs) / 1e3 / timed;
                if (before != null)
                {
                    System.out.println(traceLine(size, meanUs, reduction.trace().minus(before)));
                }
                long wrong = -1;
                if (check)
                {
                    CheckedSum.fill(data, count, globalRank >= 0 ? globalRank : job.rank());
                    reduction.apply(data, DataType.FLOAT32, ReduceOp.SUM);
                    wrong = CheckedSum.countWrong(data, count, globalWorkers > 0 ? globalWorkers : job.workers());
                }
                System.out.println(LocalCluster.RESULT + size + " " + count + " " + String.format(Locale.ROOT, "%.3f", meanUs) + " " + wrong);
                System.out.flush();
            }
            return 0;
        }
        catch (final Exception ex)
        {
            final String reason = ex instanceof java.util.concurrent.TimeoutException && ex.getMessage() == null
                ? "no result within " + reduce.timeoutMs() + " ms" : ex instanceof java.util.concurrent.ExecutionException ? ex.getCause().getMessage()
                : ex.getMessage();
            System.out.println(LocalCluster.FAILED + "rank " + job.rank() + ": " + reason);
            return 1;
        }
    }

    /** One size's phases, per collective and per chunk, in microseconds. */
    private String traceLine(final long size, final double meanUs, final PhaseTrace.Totals t)
    {
        final double n = Math.max(1, t.collectives());
        final double handoff = t.handoffNs() / 1e3 / n;
        final double first = t.firstWriteNs() / 1e3 / n;
        final double writing = t.writingNs() / 1e3 / n;
        final double draining = t.drainingNs() / 1e3 / n;
        return String.format(Locale.ROOT, "# trace rank %d, %d B, us per collective: handoff %.1f | to first write %.1f"
                + " | writing %.1f | draining %.1f | back in caller %.1f | total %.1f; per chunk (%.0f a collective): write to result %.1f",
            job.rank(), size, handoff, first, writing, draining, meanUs - handoff - first - writing - draining, meanUs,
            t.chunks() / n, t.turnaroundNs() / 1e3 / Math.max(1, t.chunks()));
    }
}
