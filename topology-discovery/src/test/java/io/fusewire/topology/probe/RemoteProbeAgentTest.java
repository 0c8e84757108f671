package io.fusewire.topology.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Agents asked over TCP, as on a real cluster: three daemons on loopback surveyed by a controller, and what it refuses. */
final class RemoteProbeAgentTest
{
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final byte[] SECRET = "probe-test-secret".getBytes(StandardCharsets.UTF_8);

    @Test
    void aControllerSurveysAgentsOverTheirControlPortsAndTheNextOneIsServedToo() throws Exception
    {
        final List<AutoCloseable> open = new ArrayList<>();
        try
        {
            final List<InetSocketAddress> controls = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                final ProbeAgent agent = new ProbeAgent("tcp", "127.0.0.1");
                open.add(agent);
                final ProbeControlServer server = new ProbeControlServer(agent, new InetSocketAddress("127.0.0.1", 0), SECRET);
                open.add(server);
                Thread.ofPlatform().daemon().name("control-" + i).start(server::serve);
                controls.add(new InetSocketAddress("127.0.0.1", server.port()));
            }
            for (int controller = 0; controller < 2; controller++)
            {
                final List<RemoteProbeAgent> remotes = new ArrayList<>();
                try
                {
                    for (int i = 0; i < 3; i++)
                    {
                        remotes.add(new RemoteProbeAgent("h" + i, controls.get(i), BOUND, SECRET));
                    }
                    final Survey survey = LinkSurvey.run(remotes.stream().map(RemoteProbeAgent::host).toList());
                    assertEquals(List.of(List.of("h0", "h1", "h2")), survey.racks(), "controller " + controller);
                    assertTrue(survey.rttMicros()[0][2] > 0 && survey.flows().getFirst().mbit() > 10, survey.jsonMembers());
                }
                finally
                {
                    remotes.forEach(RemoteProbeAgent::close);
                }
            }
            final IllegalStateException stranger = assertThrows(IllegalStateException.class, () -> new RemoteProbeAgent("h0",
                controls.getFirst(), BOUND, "guess".getBytes(StandardCharsets.UTF_8)));
            assertEquals("host h0: its probe agent refused this controller (error the probe secret does not match this agent's): give"
                + " both the same secret (FUSEWIRE_PROBE_SECRET or --secret-file)", stranger.getMessage());
            try (RemoteProbeAgent after = new RemoteProbeAgent("h0", controls.getFirst(), BOUND, SECRET))
            {
                assertTrue(after.host().linkAddress().startsWith("127.0.0.1:"), "served again after a stranger was turned away");
            }
        }
        finally
        {
            for (final AutoCloseable resource : open.reversed())
            {
                resource.close();
            }
        }
    }

    @Test
    void aPortWithNoAgentOrSomethingElseIsRefusedNamingTheHost() throws Exception
    {
        final int free;
        try (ServerSocket probe = new ServerSocket(0))
        {
            free = probe.getLocalPort();
        }
        final IllegalStateException none = assertThrows(IllegalStateException.class,
            () -> new RemoteProbeAgent("r0h1", new InetSocketAddress("127.0.0.1", free), BOUND, SECRET));
        assertTrue(none.getMessage().startsWith("host r0h1: no probe agent answers at") && none.getMessage().contains("fusewire probe-agent"),
            none.getMessage());
        try (ServerSocket web = new ServerSocket(0))
        {
            final Thread greeter = Thread.ofPlatform().daemon().start(() -> greet(web));
            final IllegalStateException other = assertThrows(IllegalStateException.class,
                () -> new RemoteProbeAgent("r0h2", new InetSocketAddress("127.0.0.1", web.getLocalPort()), BOUND, SECRET));
            assertTrue(other.getMessage().contains("is not a probe agent (it said 'HTTP/1.1 400')"), other.getMessage());
            greeter.join(BOUND.toMillis());
        }
    }

    private static void greet(final ServerSocket server)
    {
        try (Socket client = server.accept())
        {
            new PrintStream(client.getOutputStream(), true, StandardCharsets.UTF_8).println("HTTP/1.1 400");
        }
        catch (final IOException ex)
        {
            // the test fails on what the controller says
        }
    }
}
