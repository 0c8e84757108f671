package io.fusewire.topology.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A {@link ProbeAgent} asked over TCP, for hosts a launcher cannot reach through a child process's
 * standard input (a real cluster: the agent runs as a daemon on every host). Only a controller that
 * proves it holds the probe secret is served ({@link ProbeAuth}): the agent makes flows and probes to
 * the addresses it is given, which no stranger may steer. One controller at a time; one that does not
 * prove itself within {@link #AUTH_BOUND}, or stays silent for {@link #IDLE_BOUND}, is dropped.
 *
 * <pre>
 *   agent -> controller   probe-agent LINK_HOST:PORT HOP_PORT CHALLENGE    on connect
 *   controller -> agent   auth HMAC-SHA256(secret, CHALLENGE) in hex
 *   agent -> controller   probe-reply ok                                  (or an error, and it closes)
 *   controller -> agent   hops|rtt|bw ...                                 one command per line
 *   agent -> controller   probe-reply ...                                 its answer
 *   controller -> agent   quit                                            the agent closes, waits for the next
 * </pre>
 */
public final class ProbeControlServer implements AutoCloseable
{
    /** The first line a controller reads. */
    public static final String HELLO = "probe-agent ";
    /** Where agents listen for controllers unless told otherwise. */
    public static final int DEFAULT_PORT = 7701;
    static final Duration AUTH_BOUND = Duration.ofSeconds(5);
    static final Duration IDLE_BOUND = Duration.ofMinutes(10);
    private static final int AUTH_LINE_MAX = 256;
    private static final System.Logger LOG = System.getLogger("io.fusewire.topology");

    private final ProbeAgent agent;
    private final byte[] secret;
    private final ServerSocket server;
    private volatile Socket current;

    /**
     * @param agent  the agent to serve.
     * @param listen where to listen for controllers (port 0 for any).
     * @param secret what controllers must prove they hold; not empty.
     * @throws IOException if the address cannot be bound.
     */
    public ProbeControlServer(final ProbeAgent agent, final InetSocketAddress listen, final byte[] secret) throws IOException
    {
        if (secret.length == 0)
        {
            throw new IllegalArgumentException("a probe agent's control port needs a secret");
        }
        this.agent = agent;
        this.secret = secret.clone();
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
                current = controller;
                serve(controller);
            }
            catch (final SocketTimeoutException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "probe agent: a controller was silent too long; dropped");
            }
            catch (final IOException ex)
            {
                if (!server.isClosed())
                {
                    LOG.log(System.Logger.Level.WARNING, "probe agent: a controller's connection failed: " + ex.getMessage());
                }
            }
            finally
            {
                current = null;
            }
        }
    }

    private void serve(final Socket controller) throws IOException
    {
        controller.setSoTimeout((int)AUTH_BOUND.toMillis());
        controller.setTcpNoDelay(true);
        final PrintStream out = new PrintStream(controller.getOutputStream(), true, StandardCharsets.UTF_8);
        final BufferedReader in = new BufferedReader(new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
        final String challenge = ProbeAuth.challenge();
        out.println(HELLO + agent.announcement() + " " + challenge);
        final String auth = boundedLine(in);
        if (auth == null || !auth.startsWith("auth ") || !ProbeAuth.verify(secret, challenge, auth.substring(5)))
        {
            LOG.log(System.Logger.Level.WARNING, "probe agent: refused a controller from " + controller.getRemoteSocketAddress()
                + " that did not prove the probe secret");
            out.println(ProbeAgent.REPLY + "error the probe secret does not match this agent's");
            return;
        }
        out.println(ProbeAgent.REPLY + "ok");
        controller.setSoTimeout((int)IDLE_BOUND.toMillis());
        agent.serve(in, out);
    }

    /** @return the next line, at most {@link #AUTH_LINE_MAX} characters; null if the stream ended or it is longer. */
    private static String boundedLine(final BufferedReader in) throws IOException
    {
        final StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n')
        {
            if (line.length() == AUTH_LINE_MAX)
            {
                return null;
            }
            line.append((char)c);
        }
        return c < 0 ? null : line.toString().strip();
    }

    /** Stops listening and cuts off the controller being served. */
    @Override
    public void close() throws IOException
    {
        server.close();
        final Socket controller = current;
        if (controller != null)
        {
            controller.close();
        }
    }
}
