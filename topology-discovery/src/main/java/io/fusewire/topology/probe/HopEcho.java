package io.fusewire.topology.probe;

/**
 * Answers hop-count probes: each request datagram ({@code FWHOP1 <nonce>}) is answered with the TTL
 * it arrived with ({@code FWHOP1 <nonce> <ttl>}), so its sender can count the routers on the way.
 * Anything else is dropped. One thread until {@link #close()}.
 */
public final class HopEcho implements AutoCloseable
{
    static final String MAGIC = "FWHOP1 ";
    private static final int POLL_MS = 100;

    private final TtlSocket socket;
    private final ServiceLoop loop;

    /** @param host the IPv4 address to listen on; any port. */
    public HopEcho(final String host)
    {
        socket = new TtlSocket(host, 0);
        loop = new ServiceLoop("hop-echo", this::answerOne);
    }

    /** @return the UDP port it listens on. */
    public int port()
    {
        return socket.port();
    }

    private void answerOne()
    {
        final TtlSocket.Datagram request = socket.receive(POLL_MS);
        if (request != null && request.text().startsWith(MAGIC) && request.text().length() <= MAGIC.length() + 20)
        {
            socket.send(request.from(), request.port(), request.text() + " " + request.ttl());
        }
    }

    /** Stops answering (within a poll interval) and closes the socket. */
    @Override
    public void close()
    {
        loop.stop();
        socket.close();
    }
}
