package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.transport.TransportException;
import io.fusewire.transport.support.Handshake;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input and failures: every future ends with an error that names the cause; the daemon goes on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class FailureTest
{
    @Test
    void aWrongSecretOrLayoutIsRefusedAtJoin()
    {
        try (Cluster cluster = new Cluster("tcp", 1))
        {
            final Communicator first = Communicator.connect(cluster.worker(7, 0, 2));
            final TransportException secret = assertThrows(TransportException.class,
                () -> Communicator.connect(cluster.worker(7, 1, 2).secret("guess")));
            assertTrue(secret.getMessage().contains("wrong secret for job 7"), secret.getMessage());
            final TransportException layout = assertThrows(TransportException.class,
                () -> Communicator.connect(cluster.worker(7, 1, 2).chunkBytes(32 * 1024)));
            assertTrue(layout.getMessage().contains("rank 1") && layout.getMessage().contains("rank 0")
                && layout.getMessage().contains("32768-byte chunks"), layout.getMessage());
            final TransportException twice = assertThrows(TransportException.class,
                () -> Communicator.connect(cluster.worker(7, 0, 2)));
            assertTrue(twice.getMessage().contains("rank 0 of job 7 has already joined"), twice.getMessage());
            first.close();
        }
    }

    @Test
    void workersDisagreeingOnSizeOrTypeFailWithBothNamedAndTheErrorLogKeepsIt() throws Exception
    {
        try (Cluster cluster = new Cluster("shm", 1))
        {
            List<Communicator> comms = cluster.join(2);
            String reason = failure(comms.get(0).allReduce(segment(1000, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM),
                comms.get(1).allReduce(segment(1200, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM));
            assertTrue(reason.contains("rank 0 reduces 1000 float32 SUM") && reason.contains("rank 1 reduces 1200 float32 SUM"), reason);
            comms.forEach(Communicator::close);

            comms = cluster.join(2);
            reason = failure(comms.get(0).allReduce(segment(1000, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM),
                comms.get(1).allReduce(segment(1000, DataType.INT32), DataType.INT32, ReduceOp.SUM));
            assertTrue(reason.contains("float32") && reason.contains("int32") && reason.contains("rank 1"), reason);
            comms.forEach(Communicator::close);
            final CountersFile file = CountersFile.open(cluster.aggregators.getFirst().countersPath());
            final List<String> logged = new java.util.ArrayList<>();
            org.agrona.concurrent.errors.ErrorLogReader.read(file.errors(), (count, first, last, text) -> logged.add(text));
            assertTrue(logged.stream().anyMatch(text -> text.contains("workers disagree on collective 1")), logged::toString);
        }
    }

    /**
     * Rank 2 dies in its collective while rank 1 has not contributed yet: the aggregator learns it
     * from the closed socket, well before the straggler timeout (which would name rank 1) and the
     * peer timeout (2 s each).
     */
    @Test
    void aWorkerKilledInItsCollectiveFailsTheOthersByItsDeathSignalAndTheDaemonServesOtherJobs() throws Exception
    {
        try (Cluster cluster = new Cluster("tcp", 1))
        {
            final CompletableFuture<Communicator> c0 = CompletableFuture.supplyAsync(() -> Communicator.connect(cluster.worker(4242, 0, 3)));
            final CompletableFuture<Communicator> c1 = CompletableFuture.supplyAsync(() -> Communicator.connect(cluster.worker(4242, 1, 3)));
            try (ChildProcess victim = new ChildProcess(List.of(), VictimWorker.class, VictimWorker.IN_COLLECTIVE, "tcp",
                cluster.addresses().getFirst(), "4242", "2", "3"))
            {
                assertEquals("2", victim.announcement());
                final Communicator w0 = c0.join();
                final Communicator w1 = c1.join();
                final CompletableFuture<MemorySegment> f0 = w0.allReduce(segment(VictimWorker.ELEMENTS, DataType.FLOAT32), DataType.FLOAT32,
                    ReduceOp.SUM);
                Thread.sleep(200);
                victim.kill();
                final long killedNs = System.nanoTime();
                final String reason = failure(f0);
                final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
                assertTrue(reason.contains("rank 2 left the job"), reason);
                assertTrue(tookMs < 1_000, "failed after " + tookMs + " ms: not by the death signal");
                final String late = failure(w1.allReduce(segment(VictimWorker.ELEMENTS, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM));
                assertTrue(late.contains("rank 2"), "a rank that comes late learns it too: " + late);
                w0.close();
                w1.close();
                final AggregatorNode daemon = cluster.aggregators.getFirst();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (daemon.jobCount() > 0 && System.nanoTime() < deadline)
                {
                    Thread.sleep(10);
                }
                assertEquals(0, daemon.jobCount(), "the failed job was retired and its slots freed");
            }
            final List<Communicator> others = cluster.join(2);
            AllReduceTest.checkSum(others, DataType.FLOAT32, 50_000);
            others.forEach(Communicator::close);
        }
    }

    @Test
    void aStalledWorkerFailsTheCollectiveAfterTheStragglerTimeoutNamingIt()
    {
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final List<Communicator> comms = cluster.join(3);
            final String reason = failure(
                comms.get(0).allReduce(segment(10_000, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM),
                comms.get(2).allReduce(segment(10_000, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM));
            assertTrue(reason.matches("(?s).*rank 1 \\(.+\\) sent nothing for slot 0.*"), "named with where it joined from: " + reason);
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void aJobWhoseRankZeroNeverJoinedFailsAfterTheStragglerTimeoutNamingIt()
    {
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final Communicator one = Communicator.connect(cluster.worker(77, 1, 3));
            final Communicator two = Communicator.connect(cluster.worker(77, 2, 3));
            final String reason = failure(
                one.allReduce(segment(10_000, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM),
                two.allReduce(segment(10_000, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM));
            assertTrue(reason.contains("rank 0 (never joined) sent nothing for slot 0"), reason);
            one.close();
            two.close();
        }
    }

    @Test
    void anAggregatorKilledMidCollectiveFailsTheWorkersClearly() throws Exception
    {
        try (ChildProcess aggregator = new ChildProcess(List.of("-Dfusewire.aggregator.listen=127.0.0.1:0",
            "-Dfusewire.aggregator.transport=shm"), AggregatorNode.class, AggregatorNode.LISTENING))
        {
            final String address = aggregator.announcement();
            final CompletableFuture<Communicator> c0 = CompletableFuture.supplyAsync(() -> Communicator.connect(worker(address, 0)));
            final CompletableFuture<Communicator> c1 = CompletableFuture.supplyAsync(() -> Communicator.connect(worker(address, 1)));
            final Communicator w0 = c0.join();
            final Communicator w1 = c1.join();
            final CompletableFuture<MemorySegment> f0 = w0.allReduce(segment(100_000, DataType.FLOAT32), DataType.FLOAT32, ReduceOp.SUM);
            Thread.sleep(200);
            aggregator.kill();
            final long killedNs = System.nanoTime();
            final String reason = failure(f0);
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
            // the peer watch saw the process exit: not the heartbeat's "no word from the peer" after 2 s
            assertTrue(reason.contains("aggregator 0") && reason.contains("is gone") && reason.contains("exited without closing"), reason);
            assertTrue(tookMs < 1_000, "failed after " + tookMs + " ms: not by the death signal");
            w0.close();
            w1.close();
        }
    }

    @Test
    void garbageOnTheDaemonPortClosesThatConnectionOnly() throws Exception
    {
        try (Cluster cluster = new Cluster("tcp", 1))
        {
            final String address = cluster.addresses().getFirst();
            final int colon = address.lastIndexOf(':');
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
                final OutputStream out = socket.getOutputStream();
                out.write("\u0000\u0001garbage garbage garbage".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                socket.setSoTimeout(5_000);
                new DataInputStream(socket.getInputStream()).readFully(new byte[Handshake.CHALLENGE_BYTES]); // the daemon's challenge
                assertEquals(0, socket.getInputStream().read(), "refused");
            }
            final List<Communicator> comms = cluster.join(2);
            AllReduceTest.checkSum(comms, DataType.FLOAT32, 10_000);
            comms.forEach(Communicator::close);
        }
    }

    private static CommunicatorContext worker(final String address, final int rank)
    {
        return new CommunicatorContext().transport("shm").aggregators(List.of(address)).jobId(99).secret("s3cret").rank(rank)
            .worldSize(2).chunkBytes(16 * 1024).window(4).timeoutMs(10_000).transportContext(Cluster.transportContext());
    }

    private static MemorySegment segment(final long elements, final DataType type)
    {
        return Arena.ofAuto().allocate(elements * type.bytes());
    }

    /** Waits for every future to fail; returns the first reason. */
    @SafeVarargs
    private static String failure(final CompletableFuture<MemorySegment>... futures)
    {
        String reason = null;
        for (final CompletableFuture<MemorySegment> future : futures)
        {
            final CompletionException error = assertThrows(CompletionException.class, future::join);
            if (reason == null)
            {
                reason = error.getCause().getMessage();
            }
        }
        return reason;
    }
}
