package io.fusewire.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
    void missingVariablesAreNamed()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> CommunicatorContext.fromEnvironment(Map.of("WORLD_SIZE", "2")));
        assertTrue(ex.getMessage().contains("RANK, SLURM_PROCID, OMPI_COMM_WORLD_RANK"), ex.getMessage());
        final IllegalArgumentException window = assertThrows(IllegalArgumentException.class, () -> new CommunicatorContext()
            .rank(0).worldSize(1).aggregators(List.of("h:1")).window(1024).conclude());
        assertTrue(window.getMessage().contains("exceeds the send queue depth"), window.getMessage());
    }
}
