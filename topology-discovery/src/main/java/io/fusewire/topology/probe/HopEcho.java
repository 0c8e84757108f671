package io.fusewire.topology.probe;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.NoOpIdleStrategy;

/**
 * Answers hop-count probes: each request datagram ({@code FWHOP1 <nonce>}) is answered with the TTL
 * it arrived with ({@code FWHOP1 <nonce> <ttl>}), so its sender can count the routers on the way.
 * Anything else is dropped. One agent thread, which waits in the socket (at most a poll interval
 * at a time), until {@link #close()}.
 */
public final class HopEcho implements AutoCloseable, Agent
{
    static final String MAGIC = "FWHOP1 ";
    private static final int POLL_MS = 100;

    private final TtlSocket socket;
    private final AgentRunner runner;

    /** @param host the IPv4 address to listen on; any port. */
    public HopEcho(final String host)
    {
        socket = new TtlSocket(host, 0);
        runner = new AgentRunner(NoOpIdleStrategy.INSTANCE, ProbeErrors.LOGGED, null, this);
        AgentRunner.startOnThread(runner);
    }

    /** @return the UDP port it listens on. */
    public int port()
    {
        return socket.port();
    }

    @Override
    public String roleName()
    {
        return "hop-echo";
    }

    @Override
    public int doWork()
    {
        final TtlSocket.Datagram request = socket.receive(POLL_MS);
        if (request != null && request.text().startsWith(MAGIC) && request.text().length() <= MAGIC.length() + 20)
        {
            socket.send(request.from(), request.port(), request.text() + " " + request.ttl());
            return 1;
        }
        return 0;
    }

    /** Stops answering (within a poll interval) and closes the socket. */
    @Override
    public void close()
    {
        runner.close();
        socket.close();
    }
}
