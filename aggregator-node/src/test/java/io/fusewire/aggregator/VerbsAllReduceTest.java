package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.verbs.VerbsFabric;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The aggregator system test over RDMA verbs: an aggregator daemon in a process of its own and two
 * workers, every byte moved by RDMA writes with immediates, sums checked element by element. Runs
 * where an RDMA device exists (the soft-RoCE testbed runs it on rxe0 inside a QEMU guest).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
final class VerbsAllReduceTest
{
    /** Stretches every timeout, for slow hosts such as the soft-RoCE guest under emulation (there: 10). */
    private static final int SLOWDOWN = Integer.getInteger("fusewire.test.slowdown", 1);

    /** Skips the test saying why: no shim built, no rdma-core, no RDMA in the kernel, or no device (inside the testbed a skip fails the run). */
    @BeforeEach
    void verbsHere()
    {
        final String reason = VerbsFabric.unavailableReason();
        assumeTrue(reason == null, () -> "verbs cannot run here: " + reason + " (native/testbed/softroce.sh runs this test on soft-RoCE)");
    }

    /**
     * The first IPv4 address of an interface that is up and not loopback (in the guest: eth0, which
     * carries rxe0, so each queue pair takes the GID of its handshake's address), else 127.0.0.1.
     */
    private static String hostAddress() throws SocketException
    {
        for (final NetworkInterface nic : NetworkInterface.networkInterfaces().toList())
        {
            if (nic.isUp() && !nic.isLoopback())
            {
                for (final InetAddress address : nic.inetAddresses().toList())
                {
                    if (address instanceof Inet4Address)
                    {
                        return address.getHostAddress();
                    }
                }
            }
        }
        return "127.0.0.1";
    }

    @Test
    void oneAggregatorDaemonAndTwoWorkersSumExactlyOverVerbs() throws Exception
    {
        final TransportContext transport = new TransportContext().peerTimeoutMs(2_000L * SLOWDOWN)
            .heartbeatIntervalMs(100L * SLOWDOWN).connectTimeoutMs(5_000L * SLOWDOWN);
        try (ChildProcess aggregator = new ChildProcess(List.of("-Dfusewire.aggregator.listen=" + hostAddress() + ":0",
            "-Dfusewire.aggregator.transport=verbs", "-D" + TransportContext.PEER_TIMEOUT_PROP + "=" + transport.peerTimeoutMs(),
            "-D" + AggregatorContext.STRAGGLER_TIMEOUT_PROP + "=" + 5_000L * SLOWDOWN),
            AggregatorNode.class, AggregatorNode.LISTENING))
        {
            final String address = aggregator.announcement();
            final List<CompletableFuture<Communicator>> joining = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++)
            {
                final CommunicatorContext worker = new CommunicatorContext().transport("verbs").aggregators(List.of(address))
                    .jobId(77).secret("s3cret").rank(rank).worldSize(2).chunkBytes(16 * 1024).window(4).timeoutMs(10_000L * SLOWDOWN)
                    .transportContext(transport);
                joining.add(CompletableFuture.supplyAsync(() -> Communicator.connect(worker)));
            }
            final List<Communicator> comms = joining.stream().map(CompletableFuture::join).toList();
            for (final long elements : new long[] {1, 4097, 100_003})
            {
                AllReduceTest.checkSum(comms, DataType.FLOAT32, elements);
                AllReduceTest.checkSum(comms, DataType.INT32, elements);
            }
            comms.forEach(Communicator::close);
        }
    }
}
