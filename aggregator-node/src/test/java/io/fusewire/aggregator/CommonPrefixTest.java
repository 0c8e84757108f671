package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AllReduce of a common prefix: workers bring different lengths, the aggregator settles the shortest. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class CommonPrefixTest
{
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"shm, INT32", "shm, BFLOAT16", "tcp, INT32", "tcp, FLOAT16"})
    void theShortestContributionSetsTheResultAndPlainCollectivesInterleave(final String transport, final DataType type)
    {
        try (Cluster cluster = new Cluster(transport, 2))
        {
            final List<Communicator> comms = cluster.join(3);
            final int limit = comms.getFirst().commonPrefixLimit() / type.bytes();
            for (int round = 0; round < 12; round++) // more rounds than the window has slots
            {
                final int shortest = 1 + round * 131 % (limit - 2);
                final List<MemorySegment> data = new ArrayList<>();
                final List<CompletableFuture<MemorySegment>> results = new ArrayList<>();
                for (int rank = 0; rank < 3; rank++)
                {
                    final int elements = rank == round % 3 ? shortest : Math.min(limit, shortest + 1 + rank * 97);
                    final MemorySegment tensor = Arena.ofAuto().allocate((long)elements * type.bytes());
                    for (int i = 0; i < elements; i++)
                    {
                        put(tensor, type, i, i % 13 + rank + round);
                    }
                    data.add(tensor);
                    results.add(comms.get(rank).allReduceCommonPrefix(tensor, type, ReduceOp.SUM));
                }
                for (int rank = 0; rank < 3; rank++)
                {
                    final MemorySegment result = results.get(rank).join();
                    assertEquals((long)shortest * type.bytes(), result.byteSize(), "round " + round + ": the shortest contribution");
                    assertEquals(data.get(rank).address(), result.address(), "the result lies at the start of the tensor");
                    for (int i = 0; i < shortest; i++)
                    {
                        assertEquals(3 * (i % 13 + round) + 3, get(result, type, i), "round " + round + ", rank " + rank + ", element " + i);
                    }
                }
                final List<MemorySegment> plain = new ArrayList<>();
                for (int rank = 0; rank < 3; rank++)
                {
                    final MemorySegment tensor = Arena.ofAuto().allocate(5L * limit * type.bytes());
                    for (int i = 0; i < 5 * limit; i++)
                    {
                        put(tensor, type, i, i % 7);
                    }
                    plain.add(tensor);
                }
                CompletableFuture.allOf(comms.get(0).allReduce(plain.get(0), type, ReduceOp.SUM),
                    comms.get(1).allReduce(plain.get(1), type, ReduceOp.SUM), comms.get(2).allReduce(plain.get(2), type, ReduceOp.SUM)).join();
                for (int i = 0; i < 5 * limit; i += 101)
                {
                    assertEquals(3 * (i % 7), get(plain.get(2), type, i), "a plain collective between two common prefixes, element " + i);
                }
            }
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void aContributionOfNoBytesOrMoreThanAChunkIsRefused()
    {
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final Communicator comm = cluster.join(1).getFirst();
            final MemorySegment tooLong = Arena.ofAuto().allocate(comm.commonPrefixLimit() + 4L);
            final CompletionException error = assertThrows(CompletionException.class,
                () -> comm.allReduceCommonPrefix(tooLong, DataType.INT32, ReduceOp.SUM).join());
            assertInstanceOf(IllegalArgumentException.class, error.getCause());
            assertTrue(error.getCause().getMessage().contains("1 to " + comm.commonPrefixLimit() + " bytes"), error.getCause().getMessage());
            assertThrows(CompletionException.class,
                () -> comm.allReduceCommonPrefix(MemorySegment.ofArray(new int[0]), DataType.INT32, ReduceOp.SUM).join());
            final MemorySegment one = MemorySegment.ofArray(new int[] {41});
            assertEquals(41, comm.allReduceCommonPrefix(one, DataType.INT32, ReduceOp.SUM).join().get(INT, 0),
                "the communicator still works after refusing");
            comm.close();
        }
    }

    private static void put(final MemorySegment tensor, final DataType type, final int index, final int value)
    {
        switch (type)
        {
            case INT32 -> tensor.setAtIndex(INT, index, value);
            case BFLOAT16 -> tensor.setAtIndex(SHORT, index, (short)(Float.floatToIntBits(value) >>> 16));
            case FLOAT16 -> tensor.setAtIndex(SHORT, index, Float.floatToFloat16(value));
            default -> throw new IllegalArgumentException(type.name());
        }
    }

    private static int get(final MemorySegment tensor, final DataType type, final int index)
    {
        return switch (type)
        {
            case INT32 -> tensor.getAtIndex(INT, index);
            case BFLOAT16 -> (int)Float.intBitsToFloat(tensor.getAtIndex(SHORT, index) << 16);
            case FLOAT16 -> (int)Float.float16ToFloat(tensor.getAtIndex(SHORT, index));
            default -> throw new IllegalArgumentException(type.name());
        };
    }
}
