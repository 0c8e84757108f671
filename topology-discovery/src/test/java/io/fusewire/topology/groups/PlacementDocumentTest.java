package io.fusewire.topology.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The placement a job's processes read: written, read back, and refused when it could not be run. */
final class PlacementDocumentTest
{
    private static final List<List<String>> RACKS = List.of(List.of("a0", "a1", "a2"), List.of("b0", "b1", "b2"));

    @Test
    void whatIsWrittenReadsBackTheSame()
    {
        final PlacementDocument placed = new PlacementDocument(GroupFormation.byRack(RACKS, 4, 2),
            List.of("10.0.0.10", "10.0.0.11", "10.0.1.10", "10.0.1.11"), List.of("10.0.0.12:29500", "10.0.1.12:29500"));
        assertEquals("{\"version\":1,\"kind\":\"flat\",\"racks\":[[\"a0\",\"a1\",\"a2\"],[\"b0\",\"b1\",\"b2\"]],\"workers\":[{\"host\":\"a0\","
            + "\"address\":\"10.0.0.10\"},{\"host\":\"a1\",\"address\":\"10.0.0.11\"},{\"host\":\"b0\",\"address\":\"10.0.1.10\"},{\"host\":"
            + "\"b1\",\"address\":\"10.0.1.11\"}],\"aggregators\":[{\"host\":\"a2\",\"listen\":\"10.0.0.12:29500\"},{\"host\":\"b2\","
            + "\"listen\":\"10.0.1.12:29500\"}],\"busiest_uplink_tensors\":2.00}", placed.json());
        assertEquals(placed, PlacementDocument.parse(placed.json()));
    }

    @Test
    void aTwoTierPlacementSendsEachWorkerToItsRacksAggregatorAsItsRacksNthWorker()
    {
        final PlacementDocument placed = new PlacementDocument(GroupFormation.byRack(RACKS, 4, 2),
            List.of("10.0.0.10", "10.0.0.11", "10.0.1.10", "10.0.1.11"), List.of("10.0.0.12:29500", "10.0.1.12:29500"), true);
        assertEquals(placed, PlacementDocument.parse(placed.json()));
        assertEquals(List.of(0, 0, 1, 1), List.of(placed.rackAggregator(0), placed.rackAggregator(1), placed.rackAggregator(2),
            placed.rackAggregator(3)));
        assertEquals(List.of(0, 1, 0, 1), List.of(placed.rankInRack(0), placed.rankInRack(1), placed.rankInRack(2), placed.rankInRack(3)));
        assertEquals(2, placed.workersInRack(3));
        assertEquals(true, placed.json().contains("\"kind\":\"hierarchical\"") && placed.json().contains("\"busiest_uplink_tensors\":1.00"),
            placed::json);
        // an aggregator in a rack without workers, or two in one rack, is no two-tier placement
        assertThrows(IllegalArgumentException.class, () -> new PlacementDocument(new JobPlacement(RACKS, List.of("a0", "a1"),
            List.of("a2", "b2")), List.of("x", "y"), List.of("h:1", "h:2"), true));
        assertEquals("a two-tier placement lists one aggregator per rack with workers, in rack order; aggregator on a2 is out of order or a"
            + " second in its rack", assertThrows(IllegalArgumentException.class, () -> new PlacementDocument(new JobPlacement(RACKS,
            List.of("a0", "b0"), List.of("a1", "a2")), List.of("x", "y"), List.of("h:1", "h:2"), true)).getMessage());
        assertEquals("a two-tier placement has an aggregator in every rack with workers; worker host b0's rack has none", assertThrows(
            IllegalArgumentException.class, () -> new PlacementDocument(new JobPlacement(RACKS, List.of("a0", "b0"), List.of("a1")),
            List.of("x", "y"), List.of("h:1"), true)).getMessage());
    }

    @Test
    void aPlacementThatCannotRunIsRefused()
    {
        final JobPlacement job = GroupFormation.byRack(RACKS, 2, 1);
        assertEquals("aggregator listen address 10.0.0.12:0: workers need a fixed port, not 0", assertThrows(IllegalArgumentException.class,
            () -> new PlacementDocument(job, List.of("x", "y"), List.of("10.0.0.12:0"))).getMessage());
        assertEquals("a placement needs an address per worker and a listen address per aggregator", assertThrows(
            IllegalArgumentException.class, () -> new PlacementDocument(job, List.of("x"), List.of("h:1"))).getMessage());
        assertEquals("host c9 is in no rack of the placement", assertThrows(IllegalArgumentException.class, () -> new PlacementDocument(
            new JobPlacement(RACKS, List.of("a0"), List.of("c9")), List.of("x"), List.of("h:1"))).getMessage());
        assertEquals("expected \"version\": 1 and \"kind\": \"flat\" or \"hierarchical\" (as `fusewire topo --place` writes)",
            assertThrows(IllegalArgumentException.class, () -> PlacementDocument.parse("{\"version\":2}")).getMessage());
        assertEquals("aggregators[0].listen: expected a string, got 29500.0", assertThrows(IllegalArgumentException.class,
            () -> PlacementDocument.parse("{\"version\":1,\"kind\":\"flat\",\"racks\":[[\"a\"]],\"workers\":[{\"host\":\"a\",\"address\":"
                + "\"x\"}],\"aggregators\":[{\"host\":\"a\",\"listen\":29500}]}")).getMessage());
        assertEquals("workers[0]: unknown member \"adress\" (known: host, address)", assertThrows(IllegalArgumentException.class,
            () -> PlacementDocument.parse("{\"version\":1,\"kind\":\"flat\",\"racks\":[[\"a\"]],\"workers\":[{\"host\":\"a\",\"adress\":"
                + "\"x\"}],\"aggregators\":[]}")).getMessage());
        assertEquals("two aggregators listen on one address: [h:1, h:1]", assertThrows(IllegalArgumentException.class,
            () -> new PlacementDocument(GroupFormation.byRack(RACKS, 2, 2), List.of("x", "y"), List.of("h:1", "h:1"))).getMessage());
    }
}
