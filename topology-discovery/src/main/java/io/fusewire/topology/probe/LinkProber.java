package io.fusewire.topology.probe;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.IdleStrategies;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.RemoteRegion;
import io.fusewire.transport.TransportContext;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.IdleStrategy;

/**
 * Measures a link to a {@link LinkResponder} over the transport itself, as collectives use it:
 * round-trip time (a zero-byte write with an immediate, answered by one) and single-flow bandwidth
 * (back-to-back writes for a while, a few in flight, closed by a ping whose answer says that every
 * byte has landed: the rate counts from the first write to that answer). Every wait is bounded.
 */
public final class LinkProber implements AutoCloseable
{
    /** The immediate of a ping. */
    public static final int PING = 0x50494e47;
    /** The immediate of its answer. */
    public static final int PONG = 0x504f4e47;
    private static final int DATA = 0x44415441;
    private static final int WARMUP_PINGS = 3;
    private static final int FLOW_WRITES_IN_FLIGHT = 8;
    /** The work-request id of a flow's writes, whose completions count down the writes in flight. */
    private static final long FLOW_WRITE = 1;

    private final Fabric fabric;
    private final Device device;
    private final CompletionQueue queue;
    private final MemoryRegion region;
    private final IdleStrategy idle = IdleStrategies.sharedCore();
    private Connection current;
    private boolean ponged;
    private int inFlight;
    private String failure;

    /**
     * Round trips to one peer, in nanoseconds.
     *
     * @param samples each round trip, sorted.
     */
    public record RoundTrips(long[] samples)
    {
        /** @return the shortest round trip, microseconds. */
        public double minMicros()
        {
            return samples[0] / 1_000.0;
        }
    }

    /**
     * @param provider     the transport, e.g. {@code tcp}.
     * @param connectBound how long a connection to a peer may take to set up.
     */
    public LinkProber(final String provider, final Duration connectBound)
    {
        fabric = Fabric.open(provider, TransportContext.fromProperties(null).connectTimeoutMs(connectBound.toMillis()));
        try
        {
            device = fabric.openDefaultDevice();
            queue = device.createCompletionQueue();
            region = device.allocate(LinkResponder.SINK_BYTES);
        }
        catch (final RuntimeException ex)
        {
            fabric.close();
            throw ex;
        }
    }

    /**
     * @param peer  the responder's host:port.
     * @param count round trips measured (after a few unmeasured ones).
     * @param bound the longest any one round trip may take.
     * @return the round trips.
     * @throws IllegalStateException naming the peer if it cannot be reached or does not answer in time.
     */
    public RoundTrips roundTrips(final String peer, final int count, final Duration bound)
    {
        try (Connection connection = connect(peer))
        {
            final RemoteRegion sink = connection.remoteRegions().getFirst();
            final long[] samples = new long[count];
            for (int i = -WARMUP_PINGS; i < count; i++)
            {
                final long start = System.nanoTime();
                ping(connection, sink, peer, start + bound.toNanos());
                if (i >= 0)
                {
                    samples[i] = System.nanoTime() - start;
                }
            }
            Arrays.sort(samples);
            return new RoundTrips(samples);
        }
    }

    /**
     * @param peer     the responder's host:port.
     * @param duration how long to keep writing.
     * @param bound    how much longer than {@code duration} the whole measurement may take.
     * @return the rate at which the bytes landed, Mbit/s.
     * @throws IllegalStateException naming the peer if it cannot be reached or stops answering.
     */
    public double bandwidthMbit(final String peer, final Duration duration, final Duration bound)
    {
        try (Connection connection = connect(peer))
        {
            final RemoteRegion sink = connection.remoteRegions().getFirst();
            final long deadline = System.nanoTime() + duration.toNanos() + bound.toNanos();
            ping(connection, sink, peer, deadline);
            final long start = System.nanoTime();
            final long stop = start + duration.toNanos();
            long bytes = 0;
            inFlight = 0;
            while (System.nanoTime() - stop < 0)
            {
                final int posted = inFlight < FLOW_WRITES_IN_FLIGHT ? connection.write(region, 0, LinkResponder.SINK_BYTES, sink, 0, DATA, FLOW_WRITE)
                    : PostResult.BACK_PRESSURED;
                if (posted == PostResult.OK)
                {
                    bytes += LinkResponder.SINK_BYTES;
                    inFlight++;
                }
                else if (posted != PostResult.BACK_PRESSURED)
                {
                    throw new IllegalStateException("probe to " + peer + ": write refused: " + PostResult.name(posted));
                }
                poll(peer, deadline);
            }
            ping(connection, sink, peer, deadline);
            return bytes * 8.0 / ((System.nanoTime() - start) / 1_000.0);
        }
    }

    private Connection connect(final String peer)
    {
        try
        {
            current = device.connect(peer, List.of(region), queue);
            failure = null;
            return current;
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalStateException("probe to " + peer + ": cannot connect: " + ex.getMessage(), ex);
        }
    }

    private void ping(final Connection connection, final RemoteRegion sink, final String peer, final long deadline)
    {
        ponged = false;
        int posted;
        while ((posted = connection.write(region, 0, 0, sink, 0, PING, 0)) == PostResult.BACK_PRESSURED)
        {
            poll(peer, deadline);
        }
        if (posted != PostResult.OK)
        {
            throw new IllegalStateException("probe to " + peer + ": ping refused: " + PostResult.name(posted));
        }
        while (!ponged)
        {
            poll(peer, deadline);
        }
    }

    private void poll(final String peer, final long deadline)
    {
        idle.idle(queue.poll(this::onCompletion, 64));
        if (failure != null)
        {
            final String reason = failure;
            failure = null;
            throw new IllegalStateException("probe to " + peer + ": " + reason);
        }
        if (System.nanoTime() - deadline > 0)
        {
            throw new IllegalStateException("probe to " + peer + ": no answer within the bound");
        }
    }

    private void onCompletion(final Completion completion)
    {
        if (completion.connection() != current)
        {
            return;
        }
        if (completion.opcode() == Opcode.WRITE_IMM && completion.immediate() == PONG)
        {
            ponged = true;
        }
        else if (completion.opcode() == Opcode.WRITE && completion.isSuccess() && completion.wrId() == FLOW_WRITE)
        {
            inFlight--;
        }
        else if (completion.opcode() == Opcode.DISCONNECTED || !completion.isSuccess())
        {
            failure = completion.describe();
        }
    }

    @Override
    public void close()
    {
        fabric.close();
    }
}
