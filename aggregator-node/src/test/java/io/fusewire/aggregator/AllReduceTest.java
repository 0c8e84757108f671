package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AllReduce through real aggregator daemons, checked element by element. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class AllReduceTest
{
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    @ParameterizedTest(name = "{0}: {1} workers, {2} aggregators, {3}")
    @CsvSource({
        "shm, 1, 1, FLOAT32",
        "shm, 2, 1, FLOAT32",
        "shm, 3, 2, INT32",
        "shm, 4, 3, BFLOAT16",
        "tcp, 2, 2, FLOAT16",
        "tcp, 3, 1, FLOAT32"})
    void sumsAreExactForEverySizeShape(final String transport, final int workers, final int aggregators, final DataType type)
    {
        try (Cluster cluster = new Cluster(transport, aggregators))
        {
            final List<Communicator> comms = cluster.join(workers);
            for (final long elements : new long[] {1, 7, 4096, 10_007, 16 * 1024 / type.bytes() * 5 + 1, 1 << 20})
            {
                checkSum(comms, type, elements);
            }
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void eightWorkersThroughThreeAggregators()
    {
        try (Cluster cluster = new Cluster("shm", 3))
        {
            final List<Communicator> comms = cluster.join(8);
            for (final long elements : new long[] {3, 100_003})
            {
                checkSum(comms, DataType.FLOAT32, elements);
                checkSum(comms, DataType.INT32, elements);
            }
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void registeredTensorsAreWrittenInPlaceAndSumTheSame()
    {
        try (Cluster cluster = new Cluster("tcp", 2))
        {
            final List<Communicator> comms = cluster.join(2);
            final List<MemorySegment> data = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++)
            {
                final MemorySegment registered = comms.get(rank).allocate(4L * 100_003 + 64).asSlice(64, 4L * 100_003);
                for (long i = 0; i < 100_003; i++)
                {
                    registered.setAtIndex(FLOAT, i, (i % 97) + rank);
                }
                data.add(registered);
            }
            final List<CompletableFuture<MemorySegment>> results = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++)
            {
                results.add(comms.get(rank).allReduce(data.get(rank), DataType.FLOAT32, ReduceOp.SUM));
            }
            results.forEach(CompletableFuture::join);
            verify(data, DataType.FLOAT32, 1, 2);
            final long chunks = (4L * 100_003 + 16 * 1024 - 1) / (16 * 1024);
            for (final Communicator comm : comms)
            {
                assertEquals(chunks, comm.chunksInPlace(), "every chunk of rank " + comm.rank() + " was written from the tensor itself");
                assertEquals(0, comm.chunksCopied(), "no chunk of rank " + comm.rank() + " went through the send window");
            }
            final MemorySegment unregistered = Arena.ofAuto().allocate(4L * 100_003);
            CompletableFuture.allOf(comms.get(0).allReduce(unregistered, DataType.FLOAT32, ReduceOp.SUM),
                comms.get(1).allReduce(data.get(1), DataType.FLOAT32, ReduceOp.SUM)).join();
            assertEquals(chunks, comms.get(0).chunksCopied(), "a tensor from plain memory is copied, chunk by chunk");
            comms.forEach(Communicator::close);
        }
    }

    /**
     * Values whose fp32 sum depends on the order of additions (1e8 + 1 - 1e8 is 0 one way, 1 the
     * other): whatever order the contributions arrive in, the result has the bits of the rank-order
     * sum ((x0 + x1) + x2).
     */
    @Test
    void sumsHaveTheBitsOfTheRankOrderSumWhateverTheArrivalOrder() throws Exception
    {
        final int elements = 3 * 16 * 1024;
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final List<Communicator> comms = cluster.join(3);
            final float[][] values = new float[3][elements];
            for (int i = 0; i < elements; i++)
            {
                final float big = (float)Math.scalb(1.0, 20 + i % 8);
                final float small = 1 + i % 5;
                values[i % 3][i] = big;
                values[(i + 1) % 3][i] = small;
                values[(i + 2) % 3][i] = -big;
            }
            final int[][] arrivalOrders = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}};
            for (final int[] order : arrivalOrders)
            {
                final List<CompletableFuture<float[]>> results = new ArrayList<>(List.of(new CompletableFuture<>(),
                    new CompletableFuture<>(), new CompletableFuture<>()));
                for (final int rank : order)
                {
                    results.set(rank, comms.get(rank).allReduce(values[rank].clone(), ReduceOp.SUM));
                    Thread.sleep(50);
                }
                for (int rank = 0; rank < 3; rank++)
                {
                    final float[] result = results.get(rank).join();
                    for (int i = 0; i < elements; i++)
                    {
                        final float rankOrder = (values[0][i] + values[1][i]) + values[2][i];
                        assertEquals(Float.floatToRawIntBits(rankOrder), Float.floatToRawIntBits(result[i]),
                            "element " + i + " on rank " + rank + ", arrival order " + java.util.Arrays.toString(order));
                    }
                }
            }
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void sixtyFourMebibytes()
    {
        try (Cluster cluster = new Cluster("shm", 2))
        {
            final List<Communicator> comms = cluster.join(2);
            checkSum(comms, DataType.FLOAT32, (64L << 20) / 4);
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void maxAndMinTakeTheExtremes()
    {
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final List<Communicator> comms = cluster.join(3);
            for (final ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN})
            {
                final List<CompletableFuture<float[]>> results = new ArrayList<>();
                for (int rank = 0; rank < 3; rank++)
                {
                    final float[] data = new float[5000];
                    for (int i = 0; i < data.length; i++)
                    {
                        data[i] = (i * 7 + rank * 13) % 11 - 5;
                    }
                    results.add(comms.get(rank).allReduce(data, op));
                }
                for (final CompletableFuture<float[]> result : results)
                {
                    final float[] got = result.join();
                    for (int i = 0; i < got.length; i++)
                    {
                        float expected = op == ReduceOp.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                        for (int rank = 0; rank < 3; rank++)
                        {
                            final float v = (i * 7 + rank * 13) % 11 - 5;
                            expected = op == ReduceOp.MAX ? Math.max(expected, v) : Math.min(expected, v);
                        }
                        assertEquals(expected, got[i], op + " at " + i);
                    }
                }
            }
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void hundredsOfBackToBackCollectivesReuseTheSlots()
    {
        try (Cluster cluster = new Cluster("shm", 2))
        {
            final List<Communicator> comms = cluster.join(2);
            for (int round = 0; round < 300; round++)
            {
                checkSum(comms, DataType.FLOAT32, 1 + (round * 977L) % 40_000);
            }
            comms.forEach(Communicator::close);
        }
    }

    /** A thread per task: each blocked rank needs its own (the common pool may have one thread on two cores). */
    private static final java.util.concurrent.Executor OWN_THREAD = task -> Thread.ofPlatform().daemon().start(task);

    /** Each rank drives its own collectives on its own thread (allReduceBlocking), mixed with futures on the same communicator. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"shm", "tcp"})
    void collectivesProgressedOnTheCallersThreadSumTheSameAndFailTheSameWay(final String transport)
    {
        try (Cluster cluster = new Cluster(transport, 2))
        {
            final List<Communicator> comms = cluster.join(3);
            for (int round = 0; round < 50; round++)
            {
                final List<MemorySegment> data = fill(comms, DataType.FLOAT32, 1 + (round * 7919L) % 100_000, 1);
                final List<CompletableFuture<MemorySegment>> results = new ArrayList<>();
                for (int rank = 0; rank < 3; rank++)
                {
                    final Communicator comm = comms.get(rank);
                    final MemorySegment tensor = data.get(rank);
                    results.add(rank == 2 && round % 2 == 0 ? comm.allReduce(tensor, DataType.FLOAT32, ReduceOp.SUM)
                        : CompletableFuture.supplyAsync(() -> comm.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM), OWN_THREAD));
                }
                results.forEach(CompletableFuture::join);
                verify(data, DataType.FLOAT32, 1, 3);
            }
            for (final Communicator comm : comms)
            {
                assertEquals("shm".equals(transport), comm.readsResultsInPlace(),
                    "over shm a worker reads the sums where they lie on the aggregator; over tcp they are written to it");
            }
            final List<CompletableFuture<MemorySegment>> mismatched = new ArrayList<>();
            for (int rank = 0; rank < 3; rank++)
            {
                final Communicator comm = comms.get(rank);
                final long elements = rank == 1 ? 1_200 : 1_000;
                mismatched.add(CompletableFuture.supplyAsync(() -> comm.allReduceBlocking(Arena.ofAuto().allocate(elements * 4),
                    DataType.FLOAT32, ReduceOp.SUM), OWN_THREAD));
            }
            for (final CompletableFuture<MemorySegment> result : mismatched)
            {
                final Throwable error = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CompletionException.class,
                    result::join).getCause();
                assertEquals(IllegalStateException.class, error.getClass(), String.valueOf(error));
                org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().contains("1200"), error.getMessage());
            }
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void twoJobsOnOneAggregatorDoNotDisturbEachOther()
    {
        try (Cluster cluster = new Cluster("tcp", 1))
        {
            final List<Communicator> first = cluster.join(2);
            final List<Communicator> second = cluster.join(3);
            for (int round = 0; round < 20; round++)
            {
                final List<CompletableFuture<?>> all = new ArrayList<>();
                final List<MemorySegment> a = fill(first, DataType.INT32, 50_000, 1);
                final List<MemorySegment> b = fill(second, DataType.INT32, 30_000, 100);
                for (int r = 0; r < 2; r++)
                {
                    all.add(first.get(r).allReduce(a.get(r), DataType.INT32, ReduceOp.SUM));
                }
                for (int r = 0; r < 3; r++)
                {
                    all.add(second.get(r).allReduce(b.get(r), DataType.INT32, ReduceOp.SUM));
                }
                all.forEach(CompletableFuture::join);
                verify(a, DataType.INT32, 1, 2);
                verify(b, DataType.INT32, 100, 3);
            }
            first.forEach(Communicator::close);
            second.forEach(Communicator::close);
        }
    }

    /** Each rank contributes value(i, rank) = (i % 97) + rank * scale; the sum is exact in every type. */
    static void checkSum(final List<Communicator> comms, final DataType type, final long elements)
    {
        final List<MemorySegment> data = fill(comms, type, elements, 1);
        final List<CompletableFuture<MemorySegment>> results = new ArrayList<>();
        for (int rank = 0; rank < comms.size(); rank++)
        {
            results.add(comms.get(rank).allReduce(data.get(rank), type, ReduceOp.SUM));
        }
        results.forEach(CompletableFuture::join);
        verify(data, type, 1, comms.size());
    }

    static List<MemorySegment> fill(final List<Communicator> comms, final DataType type, final long elements, final int scale)
    {
        final List<MemorySegment> data = new ArrayList<>();
        for (int rank = 0; rank < comms.size(); rank++)
        {
            final MemorySegment segment = Arena.ofAuto().allocate(elements * type.bytes());
            for (long i = 0; i < elements; i++)
            {
                put(segment, type, i, (i % 97) + (long)rank * scale);
            }
            data.add(segment);
        }
        return data;
    }

    static void verify(final List<MemorySegment> data, final DataType type, final int scale, final int workers)
    {
        final long elements = data.getFirst().byteSize() / type.bytes();
        for (int rank = 0; rank < workers; rank++)
        {
            for (long i = 0; i < elements; i++)
            {
                final long expected = workers * (i % 97) + (long)scale * workers * (workers - 1) / 2;
                assertEquals(expected, get(data.get(rank), type, i), () -> type + " rank result wrong");
            }
        }
    }

    private static void put(final MemorySegment segment, final DataType type, final long i, final long value)
    {
        switch (type)
        {
            case FLOAT32 -> segment.setAtIndex(FLOAT, i, value);
            case INT32 -> segment.setAtIndex(INT, i, (int)value);
            case FLOAT16 -> segment.setAtIndex(SHORT, i, Float.floatToFloat16(value));
            case BFLOAT16 -> segment.setAtIndex(SHORT, i, (short)(Float.floatToRawIntBits(value) >>> 16));
        }
    }

    private static long get(final MemorySegment segment, final DataType type, final long i)
    {
        return switch (type)
        {
            case FLOAT32 -> (long)segment.getAtIndex(FLOAT, i);
            case INT32 -> segment.getAtIndex(INT, i);
            case FLOAT16 -> (long)Float.float16ToFloat(segment.getAtIndex(SHORT, i));
            case BFLOAT16 -> (long)Float.intBitsToFloat(segment.getAtIndex(SHORT, i) << 16);
        };
    }
}
