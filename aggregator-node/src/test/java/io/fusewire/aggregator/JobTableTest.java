package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.topology.store.Store;
import io.fusewire.topology.store.Stores;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admission bookkeeping: a rank is claimed once, and freed again when its connection was never made. */
final class JobTableTest
{
    @Test
    void theDaemonServesTheRendezvousStoreWhenAsked() throws Exception
    {
        try (AggregatorNode node = AggregatorNode.launch(new AggregatorContext().listen("127.0.0.1:0").storeListen("127.0.0.1:0"));
            Store store = Stores.open("tcp://" + node.storeAddress(), Duration.ofSeconds(5)))
        {
            store.set("job/7/leader", new byte[] {42});
            assertEquals(42, store.get("job/7/leader", Duration.ofSeconds(1))[0]);
        }
        try (AggregatorNode node = AggregatorNode.launch(new AggregatorContext().listen("127.0.0.1:0")))
        {
            assertNull(node.storeAddress(), "no store unless asked");
        }
    }

    @Test
    void anAbandonedJoinFreesItsRank(@TempDir final Path dir) throws Exception
    {
        try (Fabric fabric = Fabric.open("tcp", new TransportContext());
            CountersFile file = CountersFile.create(Files.createDirectories(dir)))
        {
            final AggregatorCounters counters = new AggregatorCounters(file);
            final JobTable jobs = new JobTable(fabric.openDefaultDevice(), new SharedTables(), 4, counters);
            final byte[] rank0 = new JoinRequest(5, "s", 0, 2, 0, 1, 16 * 1024, 4).encode();
            assertEquals(3, jobs.admit("peer a", rank0).size(), "inbox, accumulators and results");
            final TransportException twice = assertThrows(TransportException.class, () -> jobs.admit("peer b", rank0));
            assertTrue(twice.getMessage().contains("already joined"), twice.getMessage());
            jobs.abandoned("peer a", rank0);
            assertEquals(3, jobs.admit("peer c", rank0).size(), "the rank is free again");
            assertEquals(1, counters.joinsRefused.get());
            jobs.close();
        }
    }
}
