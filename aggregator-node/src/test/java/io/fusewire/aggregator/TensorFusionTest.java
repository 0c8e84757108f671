package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.fuse.FusedTensor;
import io.fusewire.fusion.fuse.FusionContext;
import io.fusewire.fusion.fuse.TensorFusion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tensor fusion over two workers and a real aggregator: triggers, padding, views, kinds, spills, shutdown. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class TensorFusionTest
{
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Runs the same script on both workers at once; returns each worker's result. */
    private static <T> List<T> onBoth(final FusionContext context, final Function<Worker, T> script)
    {
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final List<Communicator> comms = cluster.join(2);
            final List<CompletableFuture<T>> results = new ArrayList<>();
            final List<TensorFusion> fusions = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++)
            {
                final TensorFusion fusion = new TensorFusion(comms.get(rank), context);
                fusions.add(fusion);
                final Worker worker = new Worker(rank, fusion, comms.get(rank));
                final CompletableFuture<T> result = new CompletableFuture<>();
                Thread.ofPlatform().start(() ->
                {
                    try
                    {
                        result.complete(script.apply(worker));
                    }
                    catch (final Throwable ex)
                    {
                        result.completeExceptionally(ex);
                    }
                });
                results.add(result);
            }
            final List<T> values = results.stream().map(CompletableFuture::join).toList();
            fusions.forEach(TensorFusion::close);
            comms.forEach(Communicator::close);
            return values;
        }
    }

    /** One worker: its rank, fusion and communicator; tensors hold value(i) = i % 89 + rank * 1000 + seed. */
    private record Worker(int rank, TensorFusion fusion, Communicator communicator)
    {
        long chunks()
        {
            return communicator.chunksInPlace() + communicator.chunksCopied();
        }

        CompletableFuture<FusedTensor> submitInts(final int elements, final int seed)
        {
            final MemorySegment tensor = Arena.ofAuto().allocate(4L * elements);
            for (int i = 0; i < elements; i++)
            {
                tensor.setAtIndex(INT, i, i % 89 + rank * 1000 + seed);
            }
            return fusion.submit(tensor, DataType.INT32, ReduceOp.SUM);
        }
    }

    private static void checkInts(final FusedTensor result, final int elements, final int seed)
    {
        assertEquals(4L * elements, result.segment().byteSize(), "the view is the tensor, not its padding");
        assertTrue(result.segment().isReadOnly());
        for (int i = 0; i < elements; i++)
        {
            assertEquals(2 * (i % 89) + 1000 + 2 * seed, result.segment().getAtIndex(INT, i), "element " + i);
        }
    }

    @Test
    void theFillThresholdFiresWithoutWaitingForTheDeadline()
    {
        final FusionContext context = new FusionContext().bufferBytes(16 * 1024).fillThreshold(1.0)
            .deadlineMicros(TimeUnit.SECONDS.toMicros(30)).fireWhenIdle(false);
        final List<Long> batches = onBoth(context, worker ->
        {
            final List<CompletableFuture<FusedTensor>> results = new ArrayList<>();
            for (int t = 0; t < 12; t++)
            {
                results.add(worker.submitInts(1024, t));
            }
            for (int t = 0; t < 12; t++)
            {
                try (FusedTensor result = results.get(t).join())
                {
                    checkInts(result, 1024, t);
                }
            }
            return worker.fusion().batches();
        });
        assertEquals(List.of(3L, 3L), batches, "12 x 4 KiB fill a 16 KiB batch three times, long before the 30 s deadline");
    }

    @Test
    void withNoBatchInFlightALoneTensorGoesAtOnceInsteadOfWaitingTheDeadline()
    {
        final FusionContext context = new FusionContext().bufferBytes(1 << 20).deadlineMicros(TimeUnit.SECONDS.toMicros(30));
        final List<Long> batches = onBoth(context, worker ->
        {
            final long start = System.nanoTime();
            try (FusedTensor result = worker.submitInts(1024, 5).join())
            {
                checkInts(result, 1024, 5);
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "an idle pipe does not wait the 30 s deadline");
            return worker.fusion().batches();
        });
        assertEquals(List.of(1L, 1L), batches);
    }

    @Test
    void theDeadlineFiresAPartialBatchAndTensorsArePaddedToPowersOfTwo()
    {
        final FusionContext context = new FusionContext().bufferBytes(1 << 20).deadlineMicros(20_000).fireWhenIdle(false);
        onBoth(context, worker ->
        {
            final long start = System.nanoTime();
            final CompletableFuture<FusedTensor> odd = worker.submitInts(750, 1);
            final CompletableFuture<FusedTensor> tiny = worker.submitInts(1, 2);
            try (FusedTensor a = odd.join(); FusedTensor b = tiny.join())
            {
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 15, "waited for the deadline");
                checkInts(a, 750, 1);
                checkInts(b, 1, 2);
                assertEquals(4096, b.segment().address() - a.segment().address(), "3000 bytes take 4096 in the buffer");
            }
            return null;
        });
    }

    @Test
    void kindsNeverShareABatchAndAnOversizedTensorGoesAlone()
    {
        final FusionContext context = new FusionContext().bufferBytes(16 * 1024).deadlineMicros(1_000);
        final List<Long> batches = onBoth(context, worker ->
        {
            final CompletableFuture<FusedTensor> ints = worker.submitInts(100, 3);
            final MemorySegment floats = Arena.ofAuto().allocate(4 * 100);
            for (int i = 0; i < 100; i++)
            {
                floats.setAtIndex(FLOAT, i, i + worker.rank());
            }
            final CompletableFuture<FusedTensor> maxes = worker.fusion().submit(floats, DataType.FLOAT32, ReduceOp.MAX);
            final CompletableFuture<FusedTensor> big = worker.submitInts(10_000, 4);
            try (FusedTensor a = ints.join(); FusedTensor b = maxes.join(); FusedTensor c = big.join())
            {
                checkInts(a, 100, 3);
                checkInts(c, 10_000, 4);
                for (int i = 0; i < 100; i++)
                {
                    assertEquals(i + 1, b.segment().getAtIndex(FLOAT, i), "max of the two workers");
                }
            }
            return worker.fusion().batches();
        });
        assertTrue(batches.stream().allMatch(b -> b >= 3), "on every worker, int sums, float maxes and the 40 KB tensor each went alone: "
            + batches);
    }

    @Test
    void workersThatCutDifferentBatchesFuseTheSameTensorsWithNoCollectiveOfTheirOwn()
    {
        final FusionContext context = new FusionContext().bufferBytes(16 * 1024).deadlineMicros(2_000).fireWhenIdle(false);
        final int tensors = 40;
        final List<long[]> counts = onBoth(context, worker ->
        {
            final List<CompletableFuture<FusedTensor>> results = new ArrayList<>();
            for (int t = 0; t < tensors; t++)
            {
                results.add(worker.submitInts(1000, t));
                if (worker.rank() == 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // rank 0 trickles, rank 1 submits all at once
                }
            }
            for (int t = 0; t < tensors; t++)
            {
                try (FusedTensor result = results.get(t).join())
                {
                    checkInts(result, 1000, t);
                }
            }
            return new long[] {worker.fusion().batches(), worker.fusion().tensorsCarried(), worker.chunks()};
        });
        assertEquals(counts.get(0)[0], counts.get(1)[0], "both workers fired the same number of batches");
        assertTrue(counts.get(1)[1] > 0, "rank 1 sent tensors rank 0 did not have yet, and the aggregator left them for later");
        for (final long[] count : counts)
        {
            assertEquals(count[0], count[2], "every batch was one chunk: no collective was spent agreeing on a cut");
        }
    }

    @Test
    void aWorkerThatNeverSubmitsIsNamedWithinTheAggregatorsStragglerBound()
    {
        final FusionContext context = new FusionContext().bufferBytes(16 * 1024);
        onBoth(context, worker ->
        {
            if (worker.rank() == 0)
            {
                final long start = System.nanoTime();
                final CompletionException ex = assertThrows(CompletionException.class, () -> worker.submitInts(10, 0).join());
                assertTrue(ex.getCause().getMessage().matches("(?s).*rank 1 \\(.+\\) sent nothing.*"), ex.getCause().getMessage());
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "named within the 2 s straggler bound, not 30 s");
            }
            return null;
        });
    }

    @Test
    void aBurstSpillsToHostMemoryInsteadOfBlocking()
    {
        final FusionContext context = new FusionContext().bufferBytes(8 * 1024).buffers(1).deadlineMicros(500);
        final List<Long> spills = onBoth(context, worker ->
        {
            final List<FusedTensor> held = new ArrayList<>();
            for (int t = 0; t < 6; t++)
            {
                held.add(worker.submitInts(1024, t).join());
            }
            for (int t = 0; t < 6; t++)
            {
                checkInts(held.get(t), 1024, t);
                held.get(t).close();
            }
            return worker.fusion().spills();
        });
        assertTrue(spills.stream().allMatch(s -> s >= 5), "on every worker, the pool has one buffer and every result was held: " + spills);
    }

    @Test
    void namedTensorsFromManyThreadsInDifferentOrdersFuseByName()
    {
        final FusionContext context = new FusionContext().bufferBytes(64 * 1024).deadlineMicros(1_000).matchByName(true);
        final int tensors = 60;
        final List<Long> batches = onBoth(context, worker ->
        {
            final List<CompletableFuture<FusedTensor>> results = new ArrayList<>();
            for (int t = 0; t < tensors; t++)
            {
                results.add(null);
            }
            final List<Thread> threads = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++)
            {
                final int first = thread;
                threads.add(Thread.ofPlatform().start(() ->
                {
                    for (int i = 0; i < tensors / 4; i++)
                    {
                        // rank 0 walks its share forwards, rank 1 backwards: the orders differ
                        final int t = first + 4 * (worker.rank() == 0 ? i : tensors / 4 - 1 - i);
                        final MemorySegment tensor = Arena.ofAuto().allocate(4L * (100 + t));
                        for (int e = 0; e < 100 + t; e++)
                        {
                            tensor.setAtIndex(INT, e, e % 89 + worker.rank() * 1000 + t);
                        }
                        final CompletableFuture<FusedTensor> result = worker.fusion().submit("grad/" + t, tensor, DataType.INT32,
                            ReduceOp.SUM);
                        synchronized (results)
                        {
                            results.set(t, result);
                        }
                    }
                }));
            }
            for (final Thread thread : threads)
            {
                try
                {
                    thread.join();
                }
                catch (final InterruptedException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }
            for (int t = 0; t < tensors; t++)
            {
                try (FusedTensor result = results.get(t).join())
                {
                    checkInts(result, 100 + t, t);
                }
            }
            final CompletionException unnamed = assertThrows(CompletionException.class, () -> worker.fusion()
                .submit(Arena.ofAuto().allocate(4), DataType.INT32, ReduceOp.SUM).join());
            assertTrue(unnamed.getCause().getMessage().contains("use submit(name"), "by-name fusion refuses unnamed tensors");
            return worker.fusion().batches();
        });
        assertTrue(batches.stream().allMatch(b -> b < tensors), "on every worker, tensors were fused, not sent one by one: " + batches);
    }

    @Test
    void closingFailsWaitingTensorsAndNothingHangs()
    {
        final FusionContext context = new FusionContext().bufferBytes(1 << 20).deadlineMicros(TimeUnit.SECONDS.toMicros(30))
            .fireWhenIdle(false);
        onBoth(context, worker ->
        {
            final CompletableFuture<FusedTensor> waiting = worker.submitInts(10, 0);
            worker.fusion().close();
            final CompletionException ex = assertThrows(CompletionException.class, waiting::join);
            assertTrue(ex.getCause().getMessage().contains("closed"), ex.getCause().getMessage());
            final CompletionException after = assertThrows(CompletionException.class, () -> worker.submitInts(10, 0).join());
            assertTrue(after.getCause().getMessage().contains("closed"), after.getCause().getMessage());
            return null;
        });
    }
}
