package io.fusewire.topology.probe;

import io.fusewire.transport.support.HostPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A controller's connection to a {@link ProbeControlServer}: the host it stands for, asked over TCP. */
public final class RemoteProbeAgent implements AutoCloseable
{
    private final String name;
    private final Socket socket;
    private final BufferedReader in;
    private final PrintStream out;
    private final ProbeHost host;

    /**
     * Connects, reads the agent's greeting and proves the probe secret.
     *
     * @param name    the host's name in the survey.
     * @param control where its agent listens for controllers.
     * @param bound   the longest to wait for the connection and each answer of the greeting.
     * @param secret  the probe secret the agent was started with.
     * @throws IllegalStateException naming the host if it cannot be reached, is no probe agent or refuses the secret.
     */
    public RemoteProbeAgent(final String name, final InetSocketAddress control, final Duration bound, final byte[] secret)
    {
        this.name = name;
        socket = new Socket();
        try
        {
            socket.connect(control, (int)bound.toMillis());
            socket.setSoTimeout((int)bound.toMillis());
            socket.setTcpNoDelay(true);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = new PrintStream(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            final String hello = in.readLine();
            final String[] words = hello == null ? new String[0] : hello.split(" ");
            if (words.length != 4 || !hello.startsWith(ProbeControlServer.HELLO) || !words[2].matches("\\d{1,5}") || !linkAddress(words[1]))
            {
                throw new IllegalStateException("host " + name + ": " + HostPort.format(control) + " is not a probe agent (it said '"
                    + hello + "'); start one there with `fusewire probe-agent --address ADDRESS --control PORT`");
            }
            out.println("auth " + ProbeAuth.proof(secret, words[3]));
            final String answer = in.readLine();
            if (!(ProbeAgent.REPLY + "ok").equals(answer))
            {
                throw new IllegalStateException("host " + name + ": its probe agent refused this controller ("
                    + (answer == null ? "it closed the connection" : answer.replace(ProbeAgent.REPLY, "")) + "): give both the same"
                    + " secret (FUSEWIRE_PROBE_SECRET or --secret-file)");
            }
            host = new ProbeHost(name, HostPort.parse(words[1]).getHostString(), words[1], Integer.parseInt(words[2]), this::ask);
        }
        catch (final IOException ex)
        {
            closeQuietly();
            throw new IllegalStateException("host " + name + ": no probe agent answers at " + HostPort.format(control) + " within "
                + bound.toMillis() + " ms (" + ex.getMessage() + "); start one there with `fusewire probe-agent --address ADDRESS"
                + " --control PORT`, or it is serving another controller", ex);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly();
            throw ex;
        }
    }

    private static boolean linkAddress(final String word)
    {
        try
        {
            return HostPort.parse(word).getPort() > 0;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }

    /** @return the host, asked through this connection. */
    public ProbeHost host()
    {
        return host;
    }

    private synchronized String ask(final String command, final Duration bound)
    {
        try
        {
            socket.setSoTimeout((int)Math.max(1, bound.toMillis()));
            out.println(command);
            final String answer = in.readLine();
            if (answer == null || !answer.startsWith(ProbeAgent.REPLY))
            {
                throw new IllegalStateException("host " + name + ": its agent " + (answer == null ? "closed the connection" : "said '" + answer
                    + "'"));
            }
            return answer.substring(ProbeAgent.REPLY.length());
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("host " + name + ": no answer to '" + command.split(" ")[0] + "' within " + bound.toMillis()
                + " ms (" + ex.getMessage() + ")", ex);
        }
    }

    /** Tells the agent this controller is done, and disconnects. */
    @Override
    public void close()
    {
        if (out != null)
        {
            out.println("quit");
        }
        closeQuietly();
    }

    private void closeQuietly()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ex)
        {
            // nothing is left to release
        }
    }
}
