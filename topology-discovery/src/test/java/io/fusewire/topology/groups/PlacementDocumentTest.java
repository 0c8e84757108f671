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
        assertEquals(List.of(List.of("10.0.0.12:29500"), List.of("10.0.0.12:29500"), List.of("10.0.1.12:29500"), List.of("10.0.1.12:29500")),
            List.of(placed.rackAggregators(0), placed.rackAggregators(1), placed.rackAggregators(2), placed.rackAggregators(3)));
        assertEquals(1, placed.shardsPerRack());
        assertEquals(List.of("10.0.0.12:29500", "10.0.1.12:29500"), placed.tierTwoPeers(1));
        assertEquals(List.of(0, 1, 0, 1), List.of(placed.rankInRack(0), placed.rankInRack(1), placed.rankInRack(2), placed.rankInRack(3)));
        assertEquals(2, placed.workersInRack(3));
        assertEquals(true, placed.json().contains("\"kind\":\"hierarchical\"") && placed.json().contains("\"busiest_uplink_tensors\":1.00"),
            placed::json);
        // an aggregator in a rack without workers, racks out of order or with different numbers of aggregators: no two-tier placement
        assertEquals("a two-tier placement lists its aggregators rack by rack, in racks with workers; aggregator on b2 is in a rack without"
            + " workers", assertThrows(IllegalArgumentException.class, () -> new PlacementDocument(new JobPlacement(RACKS, List.of("a0", "a1"),
            List.of("a2", "b2")), List.of("x", "y"), List.of("h:1", "h:2"), true)).getMessage());
        assertEquals("a two-tier placement lists its aggregators rack by rack, in racks with workers; aggregator on a1 is out of rack order",
            assertThrows(IllegalArgumentException.class, () -> new PlacementDocument(new JobPlacement(RACKS, List.of("a0", "b0"),
            List.of("b1", "a1")), List.of("x", "y"), List.of("h:1", "h:2"), true)).getMessage());
        assertEquals("a two-tier placement has as many aggregators in each rack (shard s of each rack exchanges with shard s of the"
            + " others); aggregators per rack: {0=2, 1=1}", assertThrows(IllegalArgumentException.class, () -> new PlacementDocument(
            new JobPlacement(RACKS, List.of("a0", "b0"), List.of("a1", "a2", "b1")), List.of("x", "y"), List.of("h:1", "h:2", "h:3"), true))
            .getMessage());
        assertEquals("a two-tier placement has an aggregator in every rack with workers; worker host b0's rack has none", assertThrows(
            IllegalArgumentException.class, () -> new PlacementDocument(new JobPlacement(RACKS, List.of("a0", "b0"), List.of("a1")),
            List.of("x", "y"), List.of("h:1"), true)).getMessage());
    }

    @Test
    void aTwoTierPlacementMayShardEachRacksTierOneOverSeveralAggregators()
    {
        // 2 racks x 3 hosts, a worker and 2 aggregators in each: the worker joins both, each exchanges with its twin in the other rack
        final PlacementDocument placed = new PlacementDocument(GroupFormation.byRack(RACKS, 2, 4), List.of("10.0.0.10", "10.0.1.10"),
            List.of("10.0.0.11:29500", "10.0.0.12:29500", "10.0.1.11:29500", "10.0.1.12:29500"), true);
        assertEquals(placed, PlacementDocument.parse(placed.json()));
        assertEquals(2, placed.shardsPerRack());
        assertEquals(List.of("10.0.1.11:29500", "10.0.1.12:29500"), placed.rackAggregators(1));
        assertEquals(List.of("10.0.0.12:29500", "10.0.1.12:29500"), placed.tierTwoPeers(3));
        assertEquals(true, placed.json().contains("\"busiest_uplink_tensors\":1.00"), placed::json);
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
