package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.fuse.FusedTensor;
import io.fusewire.fusion.fuse.FusionContext;
import io.fusewire.fusion.fuse.TensorFusion;
import io.fusewire.gpu.Cuda;
import io.fusewire.gpu.DeviceBuffer;
import io.fusewire.gpu.GpuContext;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tensors in GPU memory through a real aggregator: AllReduce staged through pinned host slots, and
 * tensor fusion of device tensors; skipped where there is no GPU.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class DeviceAllReduceTest
{
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Test
    void twoWorkersSumDeviceTensorsOfEveryShapeInPlace()
    {
        assumeTrue(Cuda.unavailable().isEmpty(), () -> "no GPU: " + Cuda.unavailable().orElseThrow());
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final List<Communicator> comms = List.of(0, 1).stream().map(rank -> CompletableFuture.supplyAsync(() ->
                Communicator.connect(cluster.worker(4242, rank, 2).staging(4, 64 * 1024)))).toList().stream().map(CompletableFuture::join).toList();
            final List<CompletableFuture<Void>> ranks = comms.stream().map(comm -> CompletableFuture.runAsync(() ->
            {
                try (GpuContext gpu = GpuContext.open(0); Arena arena = Arena.ofConfined())
                {
                    for (final long elements : new long[] {1, 16 * 1024, 100_003, 1 << 20})
                    {
                        final MemorySegment host = arena.allocate(elements * 4);
                        for (long i = 0; i < elements; i++)
                        {
                            host.setAtIndex(FLOAT, i, (i % 97) + comm.rank());
                        }
                        try (DeviceBuffer tensor = gpu.allocate(elements * 4))
                        {
                            tensor.copyFrom(host);
                            comm.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM);
                            host.fill((byte)0);
                            tensor.copyTo(host);
                        }
                        for (long i = 0; i < elements; i++)
                        {
                            assertEquals(2 * (i % 97) + 1, host.getAtIndex(FLOAT, i), elements + " elements: element " + i);
                        }
                    }
                }
            }, task -> Thread.ofPlatform().daemon().start(task))).toList();
            ranks.forEach(CompletableFuture::join);
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void fusedDeviceTensorsComeBackSummedInPlace()
    {
        assumeTrue(Cuda.unavailable().isEmpty(), () -> "no GPU: " + Cuda.unavailable().orElseThrow());
        final int tensors = 40;
        final int[] sizes = {1, 100, 1024, 3000};
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final List<Communicator> comms = cluster.join(2);
            final List<CompletableFuture<Long>> ranks = comms.stream().map(comm -> CompletableFuture.supplyAsync(() ->
            {
                try (GpuContext gpu = GpuContext.open(0); Arena arena = Arena.ofConfined();
                    TensorFusion fusion = new TensorFusion(comm, new FusionContext()))
                {
                    final List<DeviceBuffer> device = new ArrayList<>();
                    for (int t = 0; t < tensors; t++)
                    {
                        final int elements = sizes[t % sizes.length];
                        final MemorySegment host = arena.allocate(elements * 4L);
                        for (long i = 0; i < elements; i++)
                        {
                            host.setAtIndex(FLOAT, i, (i % 97) + comm.rank() + t);
                        }
                        device.add(gpu.allocate(elements * 4L));
                        device.getLast().copyFrom(host);
                    }
                    final List<CompletableFuture<FusedTensor>> results = device.stream()
                        .map(tensor -> fusion.submit(tensor, DataType.FLOAT32, ReduceOp.SUM)).toList();
                    for (int t = 0; t < tensors; t++)
                    {
                        final int elements = sizes[t % sizes.length];
                        try (FusedTensor result = results.get(t).join())
                        {
                            final MemorySegment back = arena.allocate(elements * 4L);
                            device.get(t).copyTo(back);
                            for (long i = 0; i < elements; i++)
                            {
                                final float expected = 2 * (i % 97) + 1 + 2 * t;
                                assertEquals(expected, back.getAtIndex(FLOAT, i), "tensor " + t + " in device memory, element " + i);
                                assertEquals(expected, result.segment().getAtIndex(FLOAT, i), "tensor " + t + "'s view, element " + i);
                            }
                        }
                    }
                    return fusion.batches();
                }
            }, task -> Thread.ofPlatform().daemon().start(task))).toList();
            for (final CompletableFuture<Long> rank : ranks)
            {
                assertTrue(rank.join() < tensors, "device tensors submitted at once were fused into fewer batches than tensors");
            }
            comms.forEach(Communicator::close);
        }
    }
}
