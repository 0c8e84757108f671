package io.fusewire.perf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.aggregator.AggregatorNode;
import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.topology.groups.JobPlacement;
import io.fusewire.topology.groups.PlacementDocument;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job run from its placement document: aggregator daemons listen where it says, workers find them through it; flat, and
 * two-tier (rack aggregators exchanging rack sums).
 */
final class PlacementJobTest
{
    private static final int ELEMENTS = 300_000;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aggregatorsListenAndWorkersJoinWhereThePlacementSays(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("placement.json");
        Files.writeString(file, new PlacementDocument(new JobPlacement(List.of(List.of("w0", "w1", "a0", "a1")), List.of("w0", "w1"),
            List.of("a0", "a1")), List.of("127.0.0.1", "127.0.0.1"), freePorts(2).stream().map(port -> "127.0.0.1:" + port).toList()).json());
        final StringWriter err = new StringWriter();
        assertEquals(2, FusewireCli.commandLine().setErr(new PrintWriter(err, true)).execute("aggregator", "--placement", file.toString()));
        assertTrue(err.toString().contains("the placement puts 2 aggregators on this host's addresses") && err.toString().contains(
            "say which with --index"), err::toString);
        for (final float[] firstAndLast : run(file, 2, 2))
        {
            assertEquals(0 + 1, firstAndLast[0], "element 0: rank 0 gives 0, rank 1 gives 1");
            assertEquals(2 * (ELEMENTS - 1) + 1, firstAndLast[1], "the last element, through the second aggregator");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aTwoTierPlacementMakesRackAggregatorsThatExchangeRackSums(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("placement.json");
        // each rack's tier 1 sharded over two aggregators: a0 and a1 exchange rack sums, b0 and b1 theirs
        Files.writeString(file, new PlacementDocument(new JobPlacement(List.of(List.of("w0", "w1", "a0", "b0"), List.of("w2", "w3", "a1", "b1")),
            List.of("w0", "w1", "w2", "w3"), List.of("a0", "b0", "a1", "b1")), List.of("127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"),
            freePorts(4).stream().map(port -> "127.0.0.1:" + port).toList(), true).json());
        // each worker is rank 0 or 1 of its rack (ctx.rank()), and gets the sum over both racks
        for (final float[] firstAndLast : run(file, 4, 4))
        {
            assertEquals(0 + 1 + 0 + 1, firstAndLast[0], "element 0: each rack's ranks 0 and 1");
            assertEquals(4 * (ELEMENTS - 1) + 2, firstAndLast[1], "the last element");
        }
    }

    /** Starts the placement's aggregators as daemons (--placement FILE --index I) and its ranks in this process; @return each rank's result. */
    private static List<float[]> run(final Path file, final int aggregators, final int workers) throws Exception
    {
        final List<ChildJvm> daemons = new ArrayList<>();
        // a thread per rank: each drives its collective on its own thread until all have joined
        try (ExecutorService threads = Executors.newFixedThreadPool(workers))
        {
            for (int i = 0; i < aggregators; i++)
            {
                daemons.add(ChildJvm.start("aggregator " + i, List.of(), List.of("aggregator", "--placement", file.toString(), "--index",
                    Integer.toString(i), "--transport", "tcp"), AggregatorNode.LISTENING, line -> { }, List.of("-Xmx256m")));
            }
            for (int i = 0; i < aggregators; i++)
            {
                assertEquals(PlacementDocument.read(file).aggregatorListen().get(i), daemons.get(i).announcement().get(60, TimeUnit.SECONDS));
            }
            final List<CompletableFuture<float[]>> ranks = new ArrayList<>();
            for (int rank = 0; rank < workers; rank++)
            {
                final CommunicatorContext ctx = CommunicatorContext.fromEnvironment(Map.of("RANK", Integer.toString(rank),
                    "FUSEWIRE_PLACEMENT", file.toString(), "FUSEWIRE_TRANSPORT", "tcp", "FUSEWIRE_JOB_SECRET", "placed"));
                ranks.add(CompletableFuture.supplyAsync(() -> sum(ctx), threads));
            }
            final List<float[]> results = new ArrayList<>();
            for (final CompletableFuture<float[]> rank : ranks)
            {
                results.add(rank.get(90, TimeUnit.SECONDS));
            }
            return results;
        }
        finally
        {
            for (final ChildJvm daemon : daemons)
            {
                daemon.close();
            }
        }
    }

    /** @return elements 0 and last of the sum of i + rank. */
    private static float[] sum(final CommunicatorContext ctx)
    {
        try (Communicator communicator = Communicator.connect(ctx))
        {
            final MemorySegment data = communicator.allocate((long)ELEMENTS * Float.BYTES);
            for (int i = 0; i < ELEMENTS; i++)
            {
                data.setAtIndex(ValueLayout.JAVA_FLOAT, i, i + ctx.rank());
            }
            communicator.allReduceBlocking(data, DataType.FLOAT32, ReduceOp.SUM);
            return new float[] {data.getAtIndex(ValueLayout.JAVA_FLOAT, 0), data.getAtIndex(ValueLayout.JAVA_FLOAT, ELEMENTS - 1)};
        }
    }

    /** @return ports free now, held open together so they differ. */
    private static List<Integer> freePorts(final int count) throws Exception
    {
        final List<ServerSocket> held = new ArrayList<>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                held.add(new ServerSocket(0));
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        }
        finally
        {
            for (final ServerSocket socket : held)
            {
                socket.close();
            }
        }
    }
}
