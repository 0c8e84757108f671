package io.fusewire.topology.probe;

import io.fusewire.transport.support.HostPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * One host's part in a link survey: it answers probes (a {@link LinkResponder} over the transport
 * and a {@link HopEcho}) and runs the probes a {@link LinkSurvey} asks of it, one command line at a
 * time, each answered with one line starting with {@link #REPLY}.
 *
 * <pre>
 *   hops HOST:UDPPORT...          -> probe-reply hops N...       routers to each (-1: not seen)
 *   rtt HOST:PORT...              -> probe-reply rtt US...       shortest of 10 round trips to each, microseconds
 *   bw HOST:PORT MILLIS           -> probe-reply bw MBIT         one flow for that long
 *   quit                          -> (ends)
 *   anything that fails           -> probe-reply error TEXT
 * </pre>
 */
public final class ProbeAgent implements AutoCloseable
{
    /** Every answer starts with this. */
    public static final String REPLY = "probe-reply ";
    /** Round trips measured per peer. */
    static final int ROUND_TRIPS = 10;
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final long MAX_FLOW_MILLIS = 10_000;

    private final String address;
    private final LinkResponder responder;
    private final HopEcho echo;
    private final LinkProber prober;

    /**
     * @param provider the transport probes use, e.g. {@code tcp}.
     * @param address  this host's IPv4 address, where it answers probes.
     */
    public ProbeAgent(final String provider, final String address)
    {
        this.address = address;
        responder = new LinkResponder(provider, address);
        HopEcho startedEcho = null;
        try
        {
            startedEcho = new HopEcho(address);
            prober = new LinkProber(provider, BOUND);
        }
        catch (final RuntimeException ex)
        {
            if (startedEcho != null)
            {
                startedEcho.close();
            }
            responder.close();
            throw ex;
        }
        echo = startedEcho;
    }

    /** @return what peers need to probe this host: its link address (host:port) and its hop echo's UDP port. */
    public String announcement()
    {
        return responder.address() + " " + echo.port();
    }

    /**
     * Serves commands until end of input or {@code quit}.
     *
     * @param in  the commands.
     * @param out where the answers go.
     * @throws IOException if reading fails.
     */
    public void serve(final BufferedReader in, final PrintStream out) throws IOException
    {
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("quit"))
        {
            out.println(REPLY + answer(line.trim()));
            out.flush();
        }
    }

    /** @return the answer to one command, never an exception. */
    String answer(final String command)
    {
        final String[] words = command.split("\\s+");
        try
        {
            return switch (words[0])
            {
                case "hops" -> hops(Arrays.copyOfRange(words, 1, words.length));
                case "rtt" -> roundTrips(Arrays.copyOfRange(words, 1, words.length));
                case "bw" -> bandwidth(words);
                default -> "error unknown command '" + words[0] + "': use hops, rtt, bw or quit";
            };
        }
        catch (final RuntimeException ex)
        {
            return "error " + ex.getMessage();
        }
    }

    private String hops(final String[] peers)
    {
        final StringJoiner counts = new StringJoiner(" ", "hops ", "");
        for (final String peer : peers)
        {
            final InetSocketAddress echo = HostPort.parse(peer);
            counts.add(Integer.toString(HopCount.measure(address, echo.getHostString(), echo.getPort())));
        }
        return counts.toString();
    }

    private String roundTrips(final String[] peers)
    {
        final StringJoiner shortest = new StringJoiner(" ", "rtt ", "");
        for (final String peer : peers)
        {
            shortest.add(String.format(Locale.ROOT, "%.1f", prober.roundTrips(peer, ROUND_TRIPS, BOUND).minMicros()));
        }
        return shortest.toString();
    }

    private String bandwidth(final String[] words)
    {
        if (words.length != 3)
        {
            return "error usage: bw HOST:PORT MILLIS";
        }
        final long millis = words[2].matches("\\d{1,9}") ? Long.parseLong(words[2]) : -1;
        if (millis < 1 || millis > MAX_FLOW_MILLIS)
        {
            return "error a flow lasts 1 to " + MAX_FLOW_MILLIS + " ms; got " + words[2];
        }
        return String.format(Locale.ROOT, "bw %.1f", prober.bandwidthMbit(words[1], Duration.ofMillis(millis), BOUND));
    }

    @Override
    public void close()
    {
        prober.close();
        echo.close();
        responder.close();
    }
}
