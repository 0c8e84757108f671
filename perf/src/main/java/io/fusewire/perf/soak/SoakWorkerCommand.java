package io.fusewire.perf.soak;

import io.fusewire.perf.allreduce.Reduction;
import io.fusewire.perf.allreduce.ReductionOptions;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.JobOptions;
import io.fusewire.perf.cli.LocalCluster;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One worker of a soak, in a process of its own; started by {@code perf soak}. Runs the plan's
 * collectives, checks every element of every one, and reports on result lines:
 * <pre>
 *   RESULT warm RSS LIVE_HEAP DIRECT                           after the warm-up
 *   RESULT half RSS LIVE_HEAP DIRECT                           half-way
 *   RESULT wrong K TYPE OP ELEMENTS WRONG INDEX GOT EXPECTED   for each of the first wrong collectives
 *   RESULT end RSS LIVE_HEAP DIRECT                            after the last collective
 *   RESULT done COLLECTIVES WRONG_ELEMENTS WRONG_COLLECTIVES BYTES ELAPSED_NS
 * </pre>
 */
@Command(name = "soak-worker", hidden = true, mixinStandardHelpOptions = true, description = "One worker of 'fusewire perf soak'.")
public final class SoakWorkerCommand implements Callable<Integer>
{
    /** Wrong collectives described one by one; the rest are only counted. */
    private static final int DESCRIBED = 10;

    @Mixin
    JobOptions job;

    @Mixin
    ReductionOptions reduce;

    @Option(names = "--collectives", defaultValue = "10000")
    long collectives;

    @Option(names = "--warmup", defaultValue = "1000")
    long warmup;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--max-bytes", defaultValue = "1M", converter = ByteSize.class)
    long maxBytes;

    @Option(names = "--big-every", defaultValue = "1000")
    int bigEvery;

    @Override
    public Integer call()
    {
        final SoakPlan plan = new SoakPlan(seed, reduce.algorithm(), maxBytes, bigEvery);
        final SoakValues values = new SoakValues(job.workers());
        final long pid = ProcessHandle.current().pid();
        final long[] first = new long[3];
        long k = 0;
        try (Reduction reduction = Reduction.open(reduce, job, plan.largestBytes()))
        {
            final MemorySegment buffer = reduction.allocate(plan.largestBytes());
            long wrongElements = 0;
            long wrongCollectives = 0;
            long bytes = 0;
            final long startNs = System.nanoTime();
            for (; k < collectives; k++)
            {
                if (k == Math.min(warmup, collectives / 2))
                {
                    memory("warm", pid);
                }
                if (k == collectives / 2)
                {
                    memory("half", pid);
                }
                plan.draw(k);
                final MemorySegment data = buffer.asSlice(0, plan.elements * plan.type.bytes());
                values.fill(data, plan.type, k, job.rank(), plan.elements);
                reduction.apply(data, plan.type, plan.op);
                bytes += data.byteSize();
                final long wrong = values.countWrong(data, plan.type, plan.op, k, plan.elements, first);
                if (wrong > 0)
                {
                    if (wrongCollectives < DESCRIBED)
                    {
                        result("wrong " + k + " " + plan.type + " " + plan.op + " " + plan.elements + " " + wrong + " "
                            + first[0] + " " + first[1] + " " + first[2]);
                    }
                    wrongElements += wrong;
                    wrongCollectives++;
                }
            }
            final long elapsedNs = System.nanoTime() - startNs;
            memory("end", pid);
            result("done " + collectives + " " + wrongElements + " " + wrongCollectives + " " + bytes + " " + elapsedNs);
            return 0;
        }
        catch (final Exception ex)
        {
            final Throwable cause = ex instanceof java.util.concurrent.ExecutionException ? ex.getCause() : ex;
            System.out.println(LocalCluster.FAILED + "rank " + job.rank() + ", collective " + k + ": "
                + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
            return 1;
        }
    }

    private static void memory(final String point, final long pid)
    {
        final long live = ProcessMemory.liveHeapBytes();
        result(point + " " + ProcessMemory.rssBytes(pid) + " " + live + " " + ProcessMemory.directBytes());
    }

    private static void result(final String line)
    {
        System.out.println(LocalCluster.RESULT + line);
        System.out.flush();
    }
}
