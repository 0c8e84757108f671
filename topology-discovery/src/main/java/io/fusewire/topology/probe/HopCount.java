package io.fusewire.topology.probe;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Counts the routers between this host and a {@link HopEcho}: a datagram leaves with TTL
 * {@link TtlSocket#SEND_TTL}, every router decrements it, and the echo says what arrived. Zero hops
 * means one layer-2 segment (the same rack switch); a rack-to-rack path through a spine counts its
 * routers.
 */
public final class HopCount
{
    /** What {@link #measure} returns when the TTL was not visible or no answer came. */
    public static final int UNKNOWN = -1;
    private static final int TRIES = 3;
    private static final int WAIT_MS = 300;

    private HopCount()
    {
    }

    /**
     * @param from the local IPv4 address to send from.
     * @param host the echo's IPv4 address.
     * @param port the echo's UDP port.
     * @return routers on the way, or {@link #UNKNOWN} after three unanswered tries (at most about a second) or at
     *     once if the datagram cannot leave.
     */
    public static int measure(final String from, final String host, final int port)
    {
        try (TtlSocket socket = new TtlSocket(from, 0))
        {
            for (int attempt = 0; attempt < TRIES; attempt++)
            {
                final String request = HopEcho.MAGIC + Long.toHexString(ThreadLocalRandom.current().nextLong());
                if (!socket.send(host, port, request))
                {
                    return UNKNOWN; // the kernel refused it (no route): no answer can come
                }
                final long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
                long left;
                while ((left = deadline - System.nanoTime()) > 0)
                {
                    final TtlSocket.Datagram reply = socket.receive((int)Math.max(1, left / 1_000_000L));
                    if (reply != null && reply.text().startsWith(request + " "))
                    {
                        final int ttl = parse(reply.text().substring(request.length() + 1));
                        return ttl < 0 || ttl > TtlSocket.SEND_TTL ? UNKNOWN : TtlSocket.SEND_TTL - ttl;
                    }
                }
            }
            return UNKNOWN;
        }
    }

    private static int parse(final String text)
    {
        try
        {
            return Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            return UNKNOWN;
        }
    }
}
