package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.topology.store.Store;
import io.fusewire.topology.store.Stores;
import io.fusewire.transport.Admission;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's admission (a rank is claimed once, and freed again when its connection was never made) and its settings. */
final class JobTableTest
{
    @Test
    void theDaemonServesTheRendezvousStoreWhenAsked() throws Exception
    {
        try (AggregatorNode node = AggregatorNode.launch(new AggregatorContext().listen("127.0.0.1:0").storeListen("127.0.0.1:0"));
            Store store = Stores.open("tcp://" + node.storeAddress(), 1, "s", Duration.ofSeconds(5)))
        {
            store.set("job/7/leader", new byte[] {42});
            assertEquals(42, store.get("job/7/leader", Duration.ofSeconds(1))[0]);
            // another secret for the same job is refused, and the operator sees it counted
            assertThrows(IllegalStateException.class, () -> Stores.open("tcp://" + node.storeAddress(), 1, "guess", Duration.ofSeconds(5)));
            try (CountersFile counters = CountersFile.open(node.countersPath()))
            {
                assertEquals(1, counters.value("store clients refused"));
            }
        }
        try (AggregatorNode node = AggregatorNode.launch(new AggregatorContext().listen("127.0.0.1:0")))
        {
            assertNull(node.storeAddress(), "no store unless asked");
        }
    }

    @Test
    void aDaemonThatOwnsItsCoreBusySpinsAndServesAndAnUnknownWaitPolicyIsRefused()
    {
        final Properties nap = new Properties();
        nap.setProperty(AggregatorContext.IDLE_PROP, "NAP");
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> AggregatorContext.fromProperties(nap));
        assertTrue(refused.getMessage().contains("use SHARED_CORE or SPIN"), refused.getMessage());
        final Properties spin = new Properties();
        spin.setProperty(AggregatorContext.IDLE_PROP, "SPIN");
        assertTrue(AggregatorContext.fromProperties(spin).busySpin());
        try (Cluster cluster = new Cluster("shm", 0))
        {
            cluster.aggregators.add(AggregatorNode.launch(new AggregatorContext().listen("127.0.0.1:0").transport("shm")
                .busySpin(true).transportContext(Cluster.transportContext())));
            final List<Communicator> comms = cluster.join(2);
            AllReduceTest.checkSum(comms, DataType.FLOAT32, 50_000);
            comms.forEach(Communicator::close);
        }
    }

    @Test
    void anAbandonedJoinFreesItsRank(@TempDir final Path dir) throws Exception
    {
        try (Fabric fabric = Fabric.open("tcp", new TransportContext());
            CountersFile file = CountersFile.create(Files.createDirectories(dir)))
        {
            final AggregatorCounters counters = new AggregatorCounters(file);
            final Device device = fabric.openDefaultDevice();
            final JobTable jobs = new JobTable(device, new SharedTables(), 4, counters, new UplinkDialer(device, device.createCompletionQueue()));
            final JoinRequest join = new JoinRequest(5, 0, 2, 0, 1, 16 * 1024, 4);
            final byte[] key = JoinRequest.key(5, "s");
            final byte[] challenge = new byte[16];
            final Admission.AskAgain unknown = assertThrows(Admission.AskAgain.class,
                () -> jobs.admit("peer a", challenge, join.encode(challenge, key, false)));
            assertTrue(unknown.getMessage().contains(JoinRequest.NEW_JOB), "a new job's key is asked for: " + unknown.getMessage());
            final byte[] rank0 = join.encode(challenge, key, true);
            assertEquals(3, jobs.admit("peer a", challenge, rank0).size(), "inbox, accumulators and results");
            final TransportException twice = assertThrows(TransportException.class, () -> jobs.admit("peer b", challenge, rank0));
            assertTrue(twice.getMessage().contains("already joined"), twice.getMessage());
            jobs.abandoned("peer a", rank0);
            final byte[] fresh = "another challenge".getBytes(StandardCharsets.US_ASCII);
            final TransportException replayed = assertThrows(TransportException.class, () -> jobs.admit("peer c", fresh, rank0));
            assertTrue(replayed.getMessage().contains("wrong secret for job 5"), "a proof of another challenge: " + replayed.getMessage());
            assertEquals(3, jobs.admit("peer c", fresh, join.encode(fresh, key, false)).size(), "the rank is free again");
            assertEquals(2, counters.joinsRefused.get(), "asking for the key is no refusal");
            jobs.close();
        }
    }
}
