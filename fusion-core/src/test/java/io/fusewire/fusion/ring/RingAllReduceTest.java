package io.fusewire.fusion.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.transport.TransportContext;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ring baseline gives the same sums as the aggregators, over both providers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class RingAllReduceTest
{
    @ParameterizedTest(name = "{0}, {1} ranks")
    @CsvSource({"shm, 2", "shm, 3", "tcp, 4"})
    void ringSumsAreExact(final String transport, final int ranks) throws Exception
    {
        runRanks(transport, ranks, new TransportContext(), RingAllReduceTest::run);
    }

    /**
     * The regression of a collective that refilled its work buffer while the previous collective's
     * last write still read from it (tcp sends from the buffer when the socket has room): a large
     * collective followed at once by others with new values. The wrong sums it caused were rare
     * (about one 8 MiB collective in seven, between processes), so the source guard is on: it names
     * every write whose source changed before its completion, whether or not the sum came out wrong.
     */
    @Test
    void backToBackCollectivesOverTcpNeverChangeAWritesSourceBeforeItCompletes() throws Exception
    {
        runRanks("tcp", 2, new TransportContext().verifySources(true), (transport, addresses, rank, context) ->
        {
            try (RingAllReduce ring = new RingAllReduce(transport, context, addresses, rank, 8 << 20, 20_000);
                Arena arena = Arena.ofConfined())
            {
                final MemorySegment data = arena.allocate(8 << 20);
                for (int round = 0; round < 24; round++)
                {
                    final long elements = round % 2 == 0 ? 2 << 20 : 1 + round * 1000;
                    final MemorySegment slice = data.asSlice(0, elements * 4);
                    for (long i = 0; i < elements; i++)
                    {
                        slice.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 89) + 10 * rank + round);
                    }
                    ring.allReduce(slice, DataType.FLOAT32, ReduceOp.SUM);
                    for (long i = 0; i < elements; i++)
                    {
                        final float expected = 2 * ((i % 89) + round) + 10;
                        assertEquals(expected, slice.getAtIndex(ValueLayout.JAVA_FLOAT, i), "round " + round + ", element " + i);
                    }
                }
            }
        });
    }

    private interface Rank
    {
        void run(String transport, List<String> addresses, int rank, TransportContext context) throws Exception;
    }

    private static void runRanks(final String transport, final int ranks, final TransportContext context, final Rank body)
        throws Exception
    {
        final List<String> addresses = new ArrayList<>();
        for (int r = 0; r < ranks; r++)
        {
            addresses.add("127.0.0.1:" + freePort());
        }
        final List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int r = 0; r < ranks; r++)
        {
            final int rank = r;
            final CompletableFuture<Void> finished = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() ->
            {
                try
                {
                    body.run(transport, addresses, rank, context);
                    finished.complete(null);
                }
                catch (final Throwable ex)
                {
                    finished.completeExceptionally(ex);
                }
            });
            done.add(finished);
        }
        done.forEach(CompletableFuture::join);
    }

    private static void run(final String transport, final List<String> addresses, final int rank, final TransportContext context)
    {
        final int ranks = addresses.size();
        try (RingAllReduce ring = new RingAllReduce(transport, context, addresses, rank, 4 << 20, 20_000);
            Arena arena = Arena.ofConfined())
        {
            for (final long elements : new long[] {1, 2, 5, 1000, 65_537, 1 << 20})
            {
                for (int round = 0; round < 3; round++)
                {
                    final MemorySegment data = arena.allocate(elements * 4);
                    for (long i = 0; i < elements; i++)
                    {
                        data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 97) + rank + round);
                    }
                    ring.allReduce(data, DataType.FLOAT32, ReduceOp.SUM);
                    for (long i = 0; i < elements; i++)
                    {
                        final float expected = ranks * ((i % 97) + round) + ranks * (ranks - 1) / 2f;
                        assertEquals(expected, data.getAtIndex(ValueLayout.JAVA_FLOAT, i), "element " + i + " of " + elements);
                    }
                }
            }
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("rank " + rank + ": " + ex.getMessage(), ex);
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
