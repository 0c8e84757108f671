package io.fusewire.topology.probe;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.Listener;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.TransportContext;
import java.util.List;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The far end of link probes over the transport: exposes a sink region that probers write into
 * and answers each {@link LinkProber#PING} immediate with a zero-byte write carrying
 * {@link LinkProber#PONG} into the prober's region. A connection's writes arrive in order, so a
 * pong also says that every byte written before the ping has landed. One thread serves every
 * prober until {@link #close()}.
 */
public final class LinkResponder implements AutoCloseable
{
    /** Bytes of the sink region: the largest write a prober makes. */
    public static final int SINK_BYTES = 256 * 1024;

    private final Fabric fabric;
    private final Device device;
    private final CompletionQueue queue;
    private final MemoryRegion sink;
    private final Listener listener;
    private final ServiceLoop loop;
    /** Spins and yields while probes arrive (the round trips measured follow a few unmeasured ones), parks up to 1 ms when idle. */
    private final IdleStrategy idle = new BackoffIdleStrategy(100, 1_000, 1_000, 1_000_000);

    /**
     * @param provider the transport, e.g. {@code tcp}.
     * @param host     the address to listen on; any port.
     */
    public LinkResponder(final String provider, final String host)
    {
        fabric = Fabric.open(provider, TransportContext.fromProperties(null));
        device = fabric.openDefaultDevice();
        queue = device.createCompletionQueue();
        sink = device.allocate(SINK_BYTES);
        listener = device.listen(host + ":0", List.of(sink), queue);
        loop = new ServiceLoop("probe-responder", this::serveOnce);
    }

    /** @return where probers connect, host:port. */
    public String address()
    {
        return listener.address();
    }

    private void serveOnce()
    {
        final Connection accepted = listener.accept();
        idle.idle(queue.poll(this::onCompletion, 64) + (accepted == null ? 0 : 1));
    }

    private void onCompletion(final Completion completion)
    {
        final Connection connection = completion.connection();
        if (completion.opcode() == Opcode.WRITE_IMM && completion.immediate() == LinkProber.PING)
        {
            if (connection.remoteRegions().isEmpty())
            {
                connection.close(); // not a prober: it exposed nothing to answer into
                return;
            }
            connection.write(sink, 0, 0, connection.remoteRegions().getFirst(), 0, LinkProber.PONG, 0);
        }
        else if (completion.opcode() == Opcode.DISCONNECTED)
        {
            connection.close();
        }
    }

    /** Stops serving (within a second) and releases the transport. */
    @Override
    public void close()
    {
        loop.stop();
        listener.close();
        fabric.close();
    }
}
