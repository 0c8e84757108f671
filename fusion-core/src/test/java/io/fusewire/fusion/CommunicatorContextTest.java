package io.fusewire.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.topology.groups.GroupFormation;
import io.fusewire.topology.groups.PlacementDocument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joining from the variables of the usual launchers. */
final class CommunicatorContextTest
{
    @Test
    void torchrunVariablesWithExplicitAggregators()
    {
        final CommunicatorContext ctx = CommunicatorContext.fromEnvironment(Map.of("RANK", "3", "WORLD_SIZE", "8",
            "FUSEWIRE_AGGREGATORS", "10.0.0.1:29500, 10.0.0.2:29500", "FUSEWIRE_JOB_ID", "12", "FUSEWIRE_JOB_SECRET", "s",
            "FUSEWIRE_TRANSPORT", "tcp"));
        assertEquals(3, ctx.rank());
        assertEquals(8, ctx.worldSize());
        assertEquals(List.of("10.0.0.1:29500", "10.0.0.2:29500"), ctx.aggregators());
        assertEquals("tcp", ctx.transport());
        assertEquals(12, ctx.join(1).jobId());
        assertEquals(1, ctx.join(1).aggregatorIndex());
    }

    @Test
    void slurmAndOpenMpiVariablesWithTheMasterAsAggregator()
    {
        final CommunicatorContext slurm = CommunicatorContext.fromEnvironment(Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "2",
            "MASTER_ADDR", "node7", "MASTER_PORT", "29500"));
        assertEquals(1, slurm.rank());
        assertEquals(List.of("node7:29500"), slurm.aggregators());
        final CommunicatorContext mpi = CommunicatorContext.fromEnvironment(Map.of("OMPI_COMM_WORLD_RANK", "0",
            "OMPI_COMM_WORLD_SIZE", "4", "MASTER_ADDR", "h", "MASTER_PORT", "1"));
        assertEquals(4, mpi.worldSize());
    }

    @Test
    void aPlacementDocumentNamesTheAggregatorsAndTheWorldSize(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("placement.json");
        Files.writeString(file, new PlacementDocument(GroupFormation.byRack(List.of(List.of("a0", "a1", "a2"), List.of("b0", "b1", "b2")),
            4, 2), List.of("10.0.0.10", "10.0.0.11", "10.0.1.10", "10.0.1.11"), List.of("10.0.0.12:29500", "10.0.1.12:29500")).json());
        final CommunicatorContext ctx = CommunicatorContext.fromEnvironment(Map.of("RANK", "2", "FUSEWIRE_PLACEMENT", file.toString()));
        assertEquals(List.of("10.0.0.12:29500", "10.0.1.12:29500"), ctx.aggregators());
        assertEquals(4, ctx.worldSize(), "from the placement, when no launcher says");
        final IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> CommunicatorContext.fromEnvironment(
            Map.of("RANK", "2", "WORLD_SIZE", "8", "FUSEWIRE_PLACEMENT", file.toString())));
        assertTrue(size.getMessage().endsWith("has 4 workers; the launcher says the world size is 8"), size.getMessage());
        final IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> CommunicatorContext.fromEnvironment(
            Map.of("RANK", "2", "FUSEWIRE_AGGREGATORS", "h:1", "FUSEWIRE_PLACEMENT", file.toString())));
        assertEquals("FUSEWIRE_AGGREGATORS and FUSEWIRE_PLACEMENT both name the aggregators: set one", both.getMessage());
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> CommunicatorContext.fromEnvironment(
            Map.of("RANK", "2", "FUSEWIRE_PLACEMENT", dir.resolve("none.json").toString())));
        assertTrue(missing.getMessage().startsWith("placement " + dir.resolve("none.json") + " cannot be read"), missing.getMessage());
        final IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> CommunicatorContext.fromEnvironment(
            Map.of("RANK", "4", "FUSEWIRE_PLACEMENT", file.toString())));
        assertTrue(rank.getMessage().endsWith("which has ranks 0 to 3"), rank.getMessage());
    }

    @Test
    void aTwoTierPlacementSendsAWorkerToItsRacksAggregatorAsOneOfItsRack(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("placement.json");
        Files.writeString(file, new PlacementDocument(GroupFormation.byRack(List.of(List.of("a0", "a1", "a2"), List.of("b0", "b1", "b2")),
            4, 2), List.of("10.0.0.10", "10.0.0.11", "10.0.1.10", "10.0.1.11"), List.of("10.0.0.12:29500", "10.0.1.12:29500"), true)
            .json());
        final CommunicatorContext ctx = CommunicatorContext.fromEnvironment(Map.of("RANK", "3", "FUSEWIRE_PLACEMENT", file.toString()));
        assertEquals(List.of("10.0.1.12:29500"), ctx.aggregators(), "rank 3's rack aggregator alone");
        assertEquals(1, ctx.rank(), "the second of its rack's workers");
        assertEquals(2, ctx.worldSize(), "its rack's workers");
    }

    @Test
    void missingVariablesAreNamed()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> CommunicatorContext.fromEnvironment(Map.of("WORLD_SIZE", "2")));
        assertTrue(ex.getMessage().contains("RANK, SLURM_PROCID, OMPI_COMM_WORLD_RANK"), ex.getMessage());
        final IllegalArgumentException window = assertThrows(IllegalArgumentException.class, () -> new CommunicatorContext()
            .rank(0).worldSize(1).aggregators(List.of("h:1")).window(1024).conclude());
        assertTrue(window.getMessage().contains("exceeds the send queue depth"), window.getMessage());
        final IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class, () -> new CommunicatorContext()
            .rank(0).worldSize(1).aggregators(List.of("h:1")).jobId(1L << 62).conclude());
        assertTrue(reserved.getMessage().contains("the top bits are the daemons' own"), reserved.getMessage());
    }
}
