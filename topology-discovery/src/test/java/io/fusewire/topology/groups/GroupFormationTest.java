package io.fusewire.topology.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

final class GroupFormationTest
{
    private static final List<List<String>> TWO_BY_THREE = List.of(List.of("a0", "a1", "a2"), List.of("b0", "b1", "b2"));
    private static final List<List<String>> TWO_BY_TWO = List.of(List.of("a0", "a1"), List.of("b0", "b1"));

    @Test
    void aJobThatFitsInARackStaysInIt()
    {
        final JobPlacement placed = GroupFormation.byRack(TWO_BY_THREE, 2, 1);
        assertEquals(List.of("a0", "a1"), placed.workerHosts());
        assertEquals(List.of("a2"), placed.aggregatorHosts());
        assertEquals(0.0, placed.maxUplinkTensors(), "nothing crosses an uplink");
        assertEquals("rack 0: worker 0 on a0, worker 1 on a1, aggregator 0 on a2; the busiest uplink carries 0.00 x the tensor each way",
            placed.describe());
        final JobPlacement naive = GroupFormation.inOrder(TWO_BY_THREE, 2, 1);
        assertEquals(List.of("b2"), naive.aggregatorHosts());
        assertEquals(2.0, naive.maxUplinkTensors(), "both workers' tensors cross to the aggregator in the other rack");
    }

    @Test
    void racksGetWorkersAndAggregatorsInTheJobsProportion()
    {
        final JobPlacement placed = GroupFormation.byRack(TWO_BY_THREE, 4, 2);
        assertEquals(List.of("a0", "a1", "b0", "b1"), placed.workerHosts(), "ranks contiguous rack by rack");
        assertEquals(List.of("a2", "b2"), placed.aggregatorHosts());
        assertEquals(2.0, placed.maxUplinkTensors(), "half of each of two workers' tensors out, half of two others' in");
        assertTrue(placed.maxUplinkTensors() < GroupFormation.inOrder(TWO_BY_THREE, 4, 2).maxUplinkTensors());
    }

    @Test
    void withoutRoomInARackTheJobSpreadsAndStillCrossesLess()
    {
        final JobPlacement placed = GroupFormation.byRack(TWO_BY_TWO, 2, 1);
        assertEquals(List.of("a0", "b0"), placed.workerHosts());
        assertEquals(List.of("a1"), placed.aggregatorHosts());
        assertEquals(1.0, placed.maxUplinkTensors());
        assertEquals(2.0, GroupFormation.inOrder(TWO_BY_TWO, 2, 1).maxUplinkTensors());
        final JobPlacement full = GroupFormation.byRack(TWO_BY_TWO, 3, 1);
        assertEquals(4, full.workerHosts().size() + full.aggregatorHosts().size(), "every host used once");
    }

    @Test
    void alternatingDealsRanksToTheRacksInTurn()
    {
        final JobPlacement dealt = GroupFormation.alternating(TWO_BY_THREE, 4, 2);
        assertEquals(List.of("a0", "b0", "a1", "b1"), dealt.workerHosts(), "every neighbour of a rank in another rack");
        assertEquals(List.of("a2", "b2"), dealt.aggregatorHosts());
        final JobPlacement uneven = GroupFormation.alternating(List.of(List.of("a0"), List.of("b0", "b1", "b2")), 3, 1);
        assertEquals(List.of("a0", "b0", "b1"), uneven.workerHosts(), "a full rack is skipped");
        assertEquals(List.of("b2"), uneven.aggregatorHosts());
        assertThrows(IllegalArgumentException.class, () -> GroupFormation.alternating(TWO_BY_TWO, 4, 1));
    }

    @Test
    void tooManyProcessesAreRefused()
    {
        assertEquals("4 hosts; 4 workers and 1 aggregators need 5 (one process per host)",
            assertThrows(IllegalArgumentException.class, () -> GroupFormation.byRack(TWO_BY_TWO, 4, 1)).getMessage());
    }
}
