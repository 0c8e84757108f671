package io.fusewire.topology.racks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Racks are the groups that the pairwise evidence connects. */
final class RackInferenceTest
{
    @Test
    void groupsAreConnectedComponentsInTheHostsOrder()
    {
        final List<String> hosts = List.of("a", "b", "c", "d", "e");
        final boolean[][] together = new boolean[5][5];
        together[0][2] = true; // a-c, seen from one side only
        together[2][4] = true; // c-e: a, c and e share a switch
        together[1][3] = true;
        together[3][1] = true;
        assertEquals(List.of(List.of("a", "c", "e"), List.of("b", "d")), RackInference.racks(hosts, together));
        assertEquals(List.of(List.of("a"), List.of("b")), RackInference.racks(List.of("a", "b"), new boolean[2][2]),
            "no evidence: a rack each");
    }
}
