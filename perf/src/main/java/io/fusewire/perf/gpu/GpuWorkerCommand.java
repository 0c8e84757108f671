package io.fusewire.perf.gpu;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.gpu.DeviceBuffer;
import io.fusewire.gpu.GpuContext;
import io.fusewire.gpu.PinnedBuffer;
import io.fusewire.gpu.StagedPipeline;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.CheckedSum;
import io.fusewire.perf.cli.JobOptions;
import io.fusewire.perf.cli.LocalCluster;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.DoubleStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One worker of {@code perf gpu}, in a process of its own: AllReduces the same fp32 tensor from
 * pinned host memory and from device memory (staged), alternately, then checks one of each.
 * Prints a result line per series, in milliseconds.
 */
@Command(name = "gpu-worker", hidden = true, mixinStandardHelpOptions = true, description = "One worker of 'fusewire perf gpu'.")
public final class GpuWorkerCommand implements Callable<Integer>
{
    private static final int WARMUP = 2;

    @Mixin
    JobOptions job;

    @Option(names = "--bytes", required = true, converter = ByteSize.class)
    long bytes;

    @Option(names = "--reps", defaultValue = "5")
    int reps;

    @Option(names = "--device", defaultValue = "0")
    int device;

    @Option(names = "--chunk", required = true, converter = ByteSize.class)
    long chunk;

    @Option(names = "--window", required = true)
    int window;

    @Option(names = "--slots", required = true)
    int slots;

    @Option(names = "--slot", required = true, converter = ByteSize.class)
    long slotBytes;

    @Option(names = "--timeout-ms", defaultValue = "60000")
    long timeoutMs;

    @Override
    public Integer call()
    {
        try (Communicator communicator = Communicator.connect(job.communicator(timeoutMs).chunkBytes((int)chunk).window(window)
                .staging(slots, slotBytes));
            GpuContext gpu = GpuContext.open(device))
        {
            final MemorySegment host = communicator.allocate(bytes);
            try (PinnedBuffer pinned = gpu.pin(host); DeviceBuffer tensor = gpu.allocate(bytes))
            {
                final double[] pinnedMs = new double[reps];
                final double[] stagedMs = new double[reps];
                final double[] headMs = new double[reps];
                final double[] tailMs = new double[reps];
                CheckedSum.fill(host, bytes / 4, job.rank());
                tensor.copyFrom(host);
                for (int rep = -WARMUP; rep < reps; rep++)
                {
                    final long pinnedNs = System.nanoTime();
                    communicator.allReduceBlocking(host, DataType.FLOAT32, ReduceOp.SUM);
                    final long stagedNs = System.nanoTime();
                    communicator.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM);
                    final long endNs = System.nanoTime();
                    if (rep >= 0)
                    {
                        final StagedPipeline.Timeline timeline = communicator.stagingTimeline();
                        pinnedMs[rep] = (stagedNs - pinnedNs) / 1e6;
                        stagedMs[rep] = (endNs - stagedNs) / 1e6;
                        headMs[rep] = timeline.headNs() / 1e6;
                        tailMs[rep] = timeline.tailNs() / 1e6;
                    }
                }
                CheckedSum.fill(host, bytes / 4, job.rank());
                communicator.allReduceBlocking(host, DataType.FLOAT32, ReduceOp.SUM);
                final long wrongPinned = CheckedSum.countWrong(host, bytes / 4, job.workers());
                CheckedSum.fill(host, bytes / 4, job.rank());
                tensor.copyFrom(host);
                host.fill((byte)0);
                communicator.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM);
                tensor.copyTo(host);
                final long wrongStaged = CheckedSum.countWrong(host, bytes / 4, job.workers());
                result("pinned", pinnedMs);
                result("staged", stagedMs);
                result("head", headMs);
                result("tail", tailMs);
                System.out.println(LocalCluster.RESULT + "wrong " + wrongPinned + " " + wrongStaged);
            }
            return 0;
        }
        catch (final RuntimeException ex)
        {
            System.out.println(LocalCluster.FAILED + "rank " + job.rank() + ": " + ex.getMessage());
            return 1;
        }
    }

    private static void result(final String series, final double[] ms)
    {
        System.out.println(LocalCluster.RESULT + series + " " + DoubleStream.of(ms).mapToObj(v -> String.format(Locale.ROOT, "%.3f", v))
            .collect(Collectors.joining(",")));
    }
}
