package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.worker.FailoverEvent;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Aggregator failover with real daemon processes: one is killed (SIGKILL) or stopped (SIGSTOP) in
 * the middle of large AllReduces of 4 workers over 2 aggregators; its chunks go to a standby, or to
 * the surviving aggregator, and every collective completes with every element right.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class FailoverTest
{
    private static final int WORKERS = 4;
    private static final long ELEMENTS = Long.getLong("fusewire.test.failover.elements", 16L << 20); // 64 MiB of fp32
    private static final int COLLECTIVES = 3;

    @Test
    void aKilledAggregatorsChunksGoToTheStandbyOverShm() throws Exception
    {
        run("shm", true, false);
    }

    @Test
    void aKilledAggregatorsChunksGoToTheSurvivorOverTcp() throws Exception
    {
        run("tcp", false, false);
    }

    @Test
    void aStoppedAggregatorIsFailedOverAfterThePeerTimeoutOverTcp() throws Exception
    {
        run("tcp", true, true);
    }

    private static void run(final String transport, final boolean standby, final boolean stop) throws Exception
    {
        final List<ChildProcess> daemons = new ArrayList<>();
        try
        {
            for (int i = 0; i < (standby ? 3 : 2); i++)
            {
                daemons.add(new ChildProcess(List.of("-Dfusewire.aggregator.listen=127.0.0.1:0", "-Dfusewire.aggregator.transport="
                    + transport, "-Dfusewire.transport.heartbeat.interval.ms=100", "-Dfusewire.transport.peer.timeout.ms=2000",
                    "-Dfusewire.aggregator.standby=" + (i == 2)), AggregatorNode.class, AggregatorNode.LISTENING));
            }
            final List<String> addresses = new ArrayList<>();
            for (final ChildProcess daemon : daemons)
            {
                addresses.add(daemon.announcement());
            }
            final List<CompletableFuture<Communicator>> joining = new ArrayList<>();
            for (int rank = 0; rank < WORKERS; rank++)
            {
                final CommunicatorContext ctx = new CommunicatorContext().transport(transport).aggregators(addresses.subList(0, 2))
                    .standbys(standby ? addresses.subList(2, 3) : List.of()).jobId(4242).secret("s3cret").rank(rank).worldSize(WORKERS)
                    .timeoutMs(30_000).transportContext(Cluster.transportContext());
                joining.add(CompletableFuture.supplyAsync(() -> Communicator.connect(ctx)));
            }
            final List<Communicator> workers = joining.stream().map(CompletableFuture::join).toList();
            final CountDownLatch secondStarted = new CountDownLatch(1);
            final AtomicLong wrong = new AtomicLong();
            final List<CompletableFuture<Void>> loops = new ArrayList<>();
            for (final Communicator worker : workers)
            {
                final CompletableFuture<Void> loop = new CompletableFuture<>();
                Thread.ofPlatform().name("failover-test-rank-" + worker.rank()).start(() ->
                {
                    try
                    {
                        collectives(worker, secondStarted, wrong);
                        loop.complete(null);
                    }
                    catch (final RuntimeException ex)
                    {
                        loop.completeExceptionally(ex);
                    }
                });
                loops.add(loop);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!secondStarted.await(100, TimeUnit.MILLISECONDS))
            {
                for (final CompletableFuture<Void> loop : loops)
                {
                    if (loop.isCompletedExceptionally())
                    {
                        loop.join(); // throws, with the worker's reason
                    }
                }
                assertTrue(System.nanoTime() < deadline, "the first collective did not complete");
            }
            Thread.sleep(30);
            final long failedNs = System.nanoTime();
            if (stop)
            {
                signal("STOP", daemons.getFirst().process.pid());
            }
            else
            {
                daemons.getFirst().kill();
            }
            CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedNs);
            assertEquals(0, wrong.get(), "wrong elements");
            assertTrue(workers.stream().mapToInt(worker -> worker.failovers().getFirst().resent()).sum() > 0,
                "the failover came between collectives: nothing was resent");
            for (final Communicator worker : workers)
            {
                final List<FailoverEvent> failovers = worker.failovers();
                assertEquals(1, failovers.size(), "rank " + worker.rank() + ": " + failovers);
                final FailoverEvent event = failovers.getFirst();
                assertEquals(0, event.aggregator(), event.toString());
                assertEquals(addresses.get(standby ? 2 : 1), event.takeover(), event.toString());
                assertTrue(event.reason().contains(stop ? "no word from the peer" : "PEER_LOST"), event.toString());
                System.out.println("rank " + worker.rank() + ": " + event + "; the rest of the run took " + tookMs + " ms");
                worker.close();
            }
        }
        finally
        {
            for (final ChildProcess daemon : daemons)
            {
                daemon.kill();
            }
        }
    }

    /** Runs the collectives, each checked element by element; counts the second one's start down. */
    private static void collectives(final Communicator worker, final CountDownLatch secondStarted, final AtomicLong wrong)
    {
        final MemorySegment tensor = worker.allocate(ELEMENTS * Float.BYTES);
        for (int round = 0; round < COLLECTIVES; round++)
        {
            for (long i = 0; i < ELEMENTS; i++)
            {
                tensor.setAtIndex(ValueLayout.JAVA_FLOAT, i, value(i, round, worker.rank()));
            }
            if (round == 1 && worker.rank() == 0)
            {
                secondStarted.countDown();
            }
            worker.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM);
            long bad = 0;
            for (long i = 0; i < ELEMENTS; i++)
            {
                float expected = 0;
                for (int rank = 0; rank < WORKERS; rank++)
                {
                    expected += value(i, round, rank);
                }
                bad += tensor.getAtIndex(ValueLayout.JAVA_FLOAT, i) == expected ? 0 : 1;
            }
            wrong.addAndGet(bad);
        }
    }

    private static float value(final long i, final int round, final int rank)
    {
        return (i * 7 + round * 13 + rank * 1001) % 4099;
    }

    private static void signal(final String name, final long pid) throws Exception
    {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor());
    }
}
