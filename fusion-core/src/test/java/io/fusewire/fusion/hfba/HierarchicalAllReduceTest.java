package io.fusewire.fusion.hfba;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.topology.store.Store;
import io.fusewire.topology.store.StoreServer;
import io.fusewire.topology.store.Stores;
import io.fusewire.transport.TransportContext;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** HFBA gives exact sums for groups that divide the ranks and for a last group that is short. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class HierarchicalAllReduceTest
{
    @ParameterizedTest(name = "{0}: {1} ranks in groups of {2}, {3}-byte tensors")
    @CsvSource({"shm, 4, 2, 1024", "tcp, 5, 2, 4096", "shm, 3, 3, 1024"})
    void sumsAreExact(final String transport, final int ranks, final int groupSize, final int tensorBytes) throws Exception
    {
        try (StoreServer server = new StoreServer("127.0.0.1", 0))
        {
            final List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int r = 0; r < ranks; r++)
            {
                final int rank = r;
                final CompletableFuture<Void> finished = new CompletableFuture<>();
                Thread.ofPlatform().daemon().start(() ->
                {
                    try (Store store = Stores.open("tcp://" + server.address(), 1, "s", Duration.ofSeconds(20)))
                    {
                        run(transport, store, rank, ranks, groupSize, tensorBytes);
                        finished.complete(null);
                    }
                    catch (final Throwable ex)
                    {
                        finished.completeExceptionally(ex);
                    }
                });
                done.add(finished);
            }
            final List<String> failures = new ArrayList<>();
            for (final CompletableFuture<Void> rank : done)
            {
                try
                {
                    rank.join();
                }
                catch (final RuntimeException ex)
                {
                    failures.add(String.valueOf(ex.getCause()));
                }
            }
            assertEquals(List.of(), failures);
        }
    }

    private static void run(final String transport, final Store store, final int rank, final int ranks, final int groupSize,
        final int tensorBytes) throws Exception
    {
        try (HierarchicalAllReduce hfba = new HierarchicalAllReduce(transport, new TransportContext(), store, "job", rank, ranks,
            groupSize, tensorBytes, "127.0.0.1", 20_000); Arena arena = Arena.ofConfined())
        {
            for (final long elements : new long[] {1, 300, 10_001})
            {
                final MemorySegment data = arena.allocate(elements * 4);
                for (long i = 0; i < elements; i++)
                {
                    data.setAtIndex(ValueLayout.JAVA_INT, i, (int)(i % 97) + rank);
                }
                hfba.allReduce(data, DataType.INT32, ReduceOp.SUM);
                for (long i = 0; i < elements; i++)
                {
                    assertEquals(ranks * (int)(i % 97) + ranks * (ranks - 1) / 2, data.getAtIndex(ValueLayout.JAVA_INT, i),
                        "rank " + rank + " element " + i + " of " + elements);
                }
            }
        }
    }
}
