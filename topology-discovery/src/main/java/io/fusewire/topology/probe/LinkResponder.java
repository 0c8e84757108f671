package io.fusewire.topology.probe;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.Listener;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.TransportContext;
import java.util.ArrayDeque;
import java.util.List;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * The far end of link probes over the transport: exposes a sink region that probers write into
 * and answers each {@link LinkProber#PING} immediate with a zero-byte write carrying
 * {@link LinkProber#PONG} into the prober's region (a pong the transport cannot take yet is sent
 * on the next duty cycle). A connection's writes arrive in order, so a pong also says that every
 * byte written before the ping has landed. One agent thread serves every prober until {@link #close()}.
 */
public final class LinkResponder implements AutoCloseable, Agent
{
    /** Bytes of the sink region: every write of a prober's flow. */
    public static final int SINK_BYTES = 64 * 1024;

    private final Fabric fabric;
    private final CompletionQueue queue;
    private final MemoryRegion sink;
    private final Listener listener;
    private final ArrayDeque<Connection> pongsOwed = new ArrayDeque<>();
    private final AgentRunner runner;

    /**
     * @param provider the transport, e.g. {@code tcp}.
     * @param host     the address to listen on; any port.
     */
    public LinkResponder(final String provider, final String host)
    {
        fabric = Fabric.open(provider, TransportContext.fromProperties(null));
        try
        {
            final Device device = fabric.openDefaultDevice();
            queue = device.createCompletionQueue();
            sink = device.allocate(SINK_BYTES);
            listener = device.listen(host + ":0", List.of(sink), queue);
        }
        catch (final RuntimeException ex)
        {
            fabric.close();
            throw ex;
        }
        // spins and yields while probes arrive (the round trips measured follow a few unmeasured ones), parks up to 1 ms when idle
        runner = new AgentRunner(new BackoffIdleStrategy(100, 1_000, 1_000, 1_000_000), ProbeErrors.LOGGED, null, this);
        AgentRunner.startOnThread(runner);
    }

    /** @return where probers connect, host:port. */
    public String address()
    {
        return listener.address();
    }

    @Override
    public String roleName()
    {
        return "probe-responder";
    }

    @Override
    public int doWork()
    {
        int work = listener.accept() == null ? 0 : 1;
        while (!pongsOwed.isEmpty() && pong(pongsOwed.peekFirst()) != PostResult.BACK_PRESSURED)
        {
            pongsOwed.pollFirst();
            work++;
        }
        return work + queue.poll(this::onCompletion, 64);
    }

    private void onCompletion(final Completion completion)
    {
        final Connection connection = completion.connection();
        if (completion.opcode() == Opcode.WRITE_IMM && completion.immediate() == LinkProber.PING)
        {
            if (connection.remoteRegions().isEmpty())
            {
                connection.close(); // not a prober: it exposed nothing to answer into
            }
            else if (!pongsOwed.isEmpty() || pong(connection) == PostResult.BACK_PRESSURED)
            {
                pongsOwed.addLast(connection);
            }
        }
        else if (completion.opcode() == Opcode.DISCONNECTED)
        {
            pongsOwed.remove(connection);
            connection.close();
        }
    }

    private int pong(final Connection connection)
    {
        return connection.write(sink, 0, 0, connection.remoteRegions().getFirst(), 0, LinkProber.PONG, 0);
    }

    /** Stops serving and releases the transport. */
    @Override
    public void close()
    {
        runner.close();
        listener.close();
        fabric.close();
    }
}
