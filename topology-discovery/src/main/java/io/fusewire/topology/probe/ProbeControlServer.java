package io.fusewire.topology.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A {@link ProbeAgent} asked over TCP, for hosts a launcher cannot reach through a child process's
 * standard input (a real cluster: the agent runs as a daemon on every host). One controller at a
 * time; a controller silent for longer than the idle bound is dropped, so a stuck one cannot keep
 * the agent from the next.
 *
 * <pre>
 *   agent -> controller   probe-agent LINK_HOST:PORT HOP_PORT     on connect
 *   controller -> agent   hops|rtt|bw ...                        one command per line
 *   agent -> controller   probe-reply ...                        its answer
 *   controller -> agent   quit                                   the agent closes, waits for the next
 * </pre>
 */
public final class ProbeControlServer implements AutoCloseable
{
    /** The first line a controller reads. */
    public static final String HELLO = "probe-agent ";
    /** Where agents listen for controllers unless told otherwise. */
    public static final int DEFAULT_PORT = 7701;
    static final Duration IDLE_BOUND = Duration.ofSeconds(120);
    private static final System.Logger LOG = System.getLogger("io.fusewire.topology");

    private final ProbeAgent agent;
    private final ServerSocket server;

    /**
     * @param agent  the agent to serve.
     * @param listen where to listen for controllers (port 0 for any).
     * @throws IOException if the address cannot be bound.
     */
    public ProbeControlServer(final ProbeAgent agent, final InetSocketAddress listen) throws IOException
    {
        this.agent = agent;
        server = new ServerSocket();
        server.bind(listen, 4);
    }

    /** @return the port controllers connect to. */
    public int port()
    {
        return server.getLocalPort();
    }

    /** Serves controllers one after another until closed. */
    public void serve()
    {
        while (!server.isClosed())
        {
            try (Socket controller = server.accept())
            {
                controller.setSoTimeout((int)IDLE_BOUND.toMillis());
                controller.setTcpNoDelay(true);
                final PrintStream out = new PrintStream(controller.getOutputStream(), true, StandardCharsets.UTF_8);
                out.println(HELLO + agent.announcement());
                agent.serve(new BufferedReader(new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8)), out);
            }
            catch (final SocketTimeoutException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "probe agent: a controller was silent for " + IDLE_BOUND.toSeconds() + " s; dropped");
            }
            catch (final SocketException ex)
            {
                if (!server.isClosed())
                {
                    LOG.log(System.Logger.Level.WARNING, "probe agent: a controller's connection failed: " + ex.getMessage());
                }
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "probe agent: a controller's connection failed: " + ex.getMessage());
            }
        }
    }

    /** Stops listening; a controller being served is cut off. */
    @Override
    public void close() throws IOException
    {
        server.close();
    }
}
