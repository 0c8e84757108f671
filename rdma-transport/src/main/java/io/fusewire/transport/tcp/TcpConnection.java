package io.fusewire.transport.tcp;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.RemoteRegion;
import io.fusewire.transport.Status;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.support.AbstractConnection;
import io.fusewire.transport.support.Hello;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.agrona.DirectBuffer;

/**
 * A connection over one non-blocking TCP socket, framed as {@link TcpFrame} says: its outbound half
 * is a {@link TcpTransmitter}, its inbound half a {@link TcpReceiver}, and this ties them to the
 * connection's life cycle and owes the peer its ACKs. A write completes at the sender when the
 * receiver's cumulative ACK covers it, so a completion means the data landed, as with verbs RC.
 * ACKs go once a quarter of the send queue is unacknowledged, or as soon as the socket falls quiet.
 */
final class TcpConnection extends AbstractConnection
{
    /** Bound on delivering what was posted, and CLOSE, when the connection is closed. */
    private static final long CLOSE_LINGER_NS = 1_000_000_000L;
    /** After the socket refused bytes, sending is not tried again for this long (unless asked). */
    private static final long FULL_SOCKET_BACKOFF_NS = 10_000;

    private static final System.Logger LOG = System.getLogger("io.fusewire.transport");
    private final SocketChannel channel;
    /** The transmitter's and receiver's buffers: freed when the connection ends, not when the collector gets to them. */
    private final Arena buffers = Arena.ofShared();
    private final TcpTransmitter transmitter;
    private final TcpReceiver receiver;
    private final int ackBatch;
    private long acknowledgedToPeer;
    private long nowNs;
    private long fullUntilNs;

    TcpConnection(
        final TransportContext context,
        final String peer,
        final Hello remote,
        final List<MemoryRegion> exposedRegions,
        final SocketChannel channel)
    {
        super(context, peer, remote);
        this.channel = channel;
        this.ackBatch = Math.max(1, context.sendQueueDepth() / 4);
        this.transmitter = new TcpTransmitter(channel, sendQueue, context.sendQueueDepth(), maxMessageLength(), buffers);
        this.receiver = new TcpReceiver(this, channel, sendQueue, transmitter, exposedRegions, context.tcpStagingBytes(),
            context.maxMessageLength(), buffers);
    }

    @Override
    protected int postWrite(
        final MemoryRegion local,
        final long localOffset,
        final int length,
        final RemoteRegion remote,
        final long remoteOffset,
        final int immediate,
        final long wrId)
    {
        final boolean wasIdle = transmitter.isIdle();
        final long seq = sendQueue.postWrite(wrId, local, localOffset, length, remote, remoteOffset);
        transmitter.stageWrite(seq, local, localOffset, length, remote.key(), remoteOffset, immediate);
        if (wasIdle)
        {
            transmit();
        }
        return PostResult.OK;
    }

    @Override
    protected int postSend(final DirectBuffer message, final int offset, final int length, final long wrId)
    {
        final boolean wasIdle = transmitter.isIdle();
        final long seq = sendQueue.postSend(wrId, length);
        transmitter.stageSend(seq, message, offset, length);
        if (wasIdle)
        {
            transmit();
        }
        return PostResult.OK;
    }

    @Override
    protected int progressIo(final long nowNs, final Completion completion, final CompletionHandler handler, final int budget)
    {
        this.nowNs = nowNs;
        int delivered = 0;
        try
        {
            if (receiver.worthReading(nowNs))
            {
                delivered = receiver.receive(nowNs, completion, handler, budget);
            }
        }
        catch (final IOException ex)
        {
            end(Status.PEER_LOST, "socket failed while receiving: " + ex.getMessage());
        }
        final long received = receiver.received();
        final long unacknowledged = received - acknowledgedToPeer;
        if (unacknowledged > 0 && (unacknowledged >= ackBatch || receiver.isQuiet(nowNs))
            && transmitter.queueControl(TcpFrame.ACK, 0, 0, 0, 0, received))
        {
            acknowledgedToPeer = received;
        }
        if (!transmitter.isSocketFull() || nowNs - fullUntilNs >= 0)
        {
            transmit();
        }
        return delivered;
    }

    /** The receiver ends the connection (a protocol error, the peer gone or closing). */
    void endWith(final int status, final String reason)
    {
        end(status, reason);
    }

    /** The receiver read bytes from the peer. */
    void heardPeer()
    {
        heard();
    }

    /** @see AbstractConnection#refusal */
    static int refusalOf(final long regionLength, final long offset, final int length)
    {
        return refusal(regionLength, offset, length);
    }

    @Override
    protected void sendHeartbeat()
    {
        transmitter.queueControl(TcpFrame.HEARTBEAT, 0, 0, 0, 0, 0);
        transmit();
    }

    @Override
    protected void checkPeer()
    {
        // a closed or reset socket shows up in receive(); silence in the heartbeat check
    }

    @Override
    protected void sendClose()
    {
        // what was posted goes out first, then CLOSE: control frames would otherwise overtake it
        final long deadlineNs = System.nanoTime() + CLOSE_LINGER_NS;
        flushUntil(deadlineNs, false);
        transmitter.queueControl(TcpFrame.CLOSE, 0, 0, 0, 0, 0);
        flushUntil(deadlineNs, true);
    }

    private void flushUntil(final long deadlineNs, final boolean control)
    {
        while (!(control ? transmitter.isIdle() : transmitter.framesSent()) && System.nanoTime() - deadlineNs < 0
            && channel.isOpen())
        {
            try
            {
                transmitter.transmit();
            }
            catch (final IOException ex)
            {
                return;
            }
            LockSupport.parkNanos(10_000);
        }
    }

    @Override
    protected void releaseIo()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // nothing left to release
        }
        try
        {
            buffers.close();
        }
        catch (final IllegalStateException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "the buffers of the connection to " + peer() + " are in use by another thread"
                + " while it closes: they stay allocated (" + ex.getMessage() + ")");
        }
    }

    private void transmit()
    {
        try
        {
            if (transmitter.transmit() > 0)
            {
                sent();
            }
            if (transmitter.isSocketFull())
            {
                fullUntilNs = nowNs + FULL_SOCKET_BACKOFF_NS;
            }
        }
        catch (final IOException ex)
        {
            end(Status.PEER_LOST, "socket failed while sending: " + ex.getMessage());
        }
    }
}
