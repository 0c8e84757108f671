package io.fusewire.topology.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A survey of three agents on loopback (real transport, real sockets), asked in-process. */
final class LinkSurveyTest
{
    @Test
    void threeHostsOnOneSegmentAreOneRackWithTheirLinksMeasured()
    {
        final List<ProbeAgent> agents = new ArrayList<>();
        try
        {
            final List<ProbeHost> hosts = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                final ProbeAgent agent = new ProbeAgent("tcp", "127.0.0.1");
                agents.add(agent);
                final String[] announced = agent.announcement().split(" ");
                hosts.add(new ProbeHost("h" + i, "127.0.0.1", announced[0], Integer.parseInt(announced[1]), (command, bound) -> agent.answer(command)));
            }
            final Survey survey = LinkSurvey.run(hosts);
            assertEquals(List.of(List.of("h0", "h1", "h2")), survey.racks());
            assertArrayEquals(new int[] {0, 0, 0}, new int[] {survey.hops()[0][1], survey.hops()[1][2], survey.hops()[2][0]});
            assertTrue(survey.rttMicros()[0][1] > 0 && survey.rttMicros()[2][1] > 0, "round trips measured");
            assertEquals(1, survey.flows().size(), "one flow inside the one rack");
            assertTrue(survey.flows().getFirst().mbit() > 10, "loopback carries it: " + survey.flows().getFirst());
            assertTrue(survey.interference().isEmpty(), "no second rack to interfere with");
            assertTrue(survey.jsonMembers().startsWith("\"racks\":[[\"h0\",\"h1\",\"h2\"]]"), survey.jsonMembers());
        }
        finally
        {
            agents.forEach(ProbeAgent::close);
        }
    }

    @Test
    void anAgentThatFailsIsNamed()
    {
        final ProbeHost broken = new ProbeHost("h1", "127.0.0.1", "127.0.0.1:1", 1, (command, bound) -> "error cannot open the transport");
        final ProbeHost other = new ProbeHost("h0", "127.0.0.1", "127.0.0.1:1", 1, (command, bound) -> command.startsWith("hops") ? "hops 0" : "rtt 5.0");
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> LinkSurvey.run(List.of(other, broken)));
        assertEquals("host h1: cannot open the transport", ex.getMessage());
    }

    @Test
    void aPathWithNoRouterInEitherDirectionIsOneSwitch()
    {
        final boolean[][] together = LinkSurvey.sameSwitch(new int[][] {{0, 0, 3}, {-1, 0, 3}, {3, 3, 0}});
        assertTrue(together[0][1] && together[1][0], "0 -> 1 crossed no router; 1 -> 0 not seen");
        assertTrue(!together[0][2] && !together[2][1] && !together[2][2], "three routers: another rack; never with itself");
    }

    @Test
    void anUnknownCommandIsRefusedWithTheOnesThatExist()
    {
        try (ProbeAgent agent = new ProbeAgent("tcp", "127.0.0.1"))
        {
            assertEquals("error unknown command 'fly': use hops, rtt, bw or quit", agent.answer("fly me"));
            assertEquals("error a flow lasts 1 to 10000 ms; got 99999", agent.answer("bw 127.0.0.1:1 99999"));
        }
    }
}
