package io.fusewire.transport.tcp;

import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.support.SendQueue;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import org.agrona.DirectBuffer;

/**
 * The outbound half of a tcp connection. Every send queue slot owns a preallocated header (with
 * room for an inline SEND message) and a view of the region its WRITE payload comes from, so a
 * write is gathered straight from registered memory with no copy. Control frames (ACK, NACK,
 * HEARTBEAT, CLOSE) wait in their own buffer and go out only between whole frames.
 */
final class TcpTransmitter
{
    private static final int MAX_GATHER_FRAMES = 16;

    private final SocketChannel channel;
    private final SendQueue sendQueue;
    private final ByteBuffer[] headers;
    private final ByteBuffer[] payloads;
    private final MemoryRegion[] payloadRegions;
    private final boolean[] hasPayload;
    private final ByteBuffer control;
    private final ByteBuffer[] gather = new ByteBuffer[1 + 2 * MAX_GATHER_FRAMES];
    private long nextToSend;
    private boolean framePartial;
    private boolean socketFull;

    /** @param buffers where its buffers come from: the connection's, freed when it ends. */
    TcpTransmitter(final SocketChannel channel, final SendQueue sendQueue, final int depth, final int maxMessageLength,
        final Arena buffers)
    {
        this.channel = channel;
        this.sendQueue = sendQueue;
        final int slotLength = TcpFrame.LENGTH + maxMessageLength;
        final ByteBuffer block = buffers.allocate((long)depth * slotLength, 64).asByteBuffer();
        headers = new ByteBuffer[depth];
        payloads = new ByteBuffer[depth];
        payloadRegions = new MemoryRegion[depth];
        hasPayload = new boolean[depth];
        for (int i = 0; i < depth; i++)
        {
            headers[i] = block.slice(i * slotLength, slotLength).order(ByteOrder.LITTLE_ENDIAN);
        }
        // room for a NACK per work request the peer can have in flight, plus ACK, HEARTBEAT, CLOSE
        control = buffers.allocate((long)(depth + 8) * TcpFrame.LENGTH, 64).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** @return true when the last {@link #transmit()} left bytes the socket would not take. */
    boolean isSocketFull()
    {
        return socketFull;
    }

    /** @return true when every posted frame went out (control frames may still wait). */
    boolean framesSent()
    {
        return nextToSend == sendQueue.posted();
    }

    /** @return true when no frame and no control bytes wait to go out. */
    boolean isIdle()
    {
        return nextToSend == sendQueue.posted() && control.position() == 0;
    }

    void stageWrite(
        final long seq,
        final MemoryRegion local,
        final long localOffset,
        final int length,
        final int key,
        final long remoteOffset,
        final int immediate)
    {
        final int slot = sendQueue.slot(seq);
        final ByteBuffer header = headers[slot];
        TcpFrame.put(header, 0, TcpFrame.WRITE, 0, length, key, immediate, remoteOffset, seq);
        header.clear().limit(TcpFrame.LENGTH);
        hasPayload[slot] = length > 0;
        if (length > 0)
        {
            payloads[slot] = view(slot, local, localOffset, length);
        }
    }

    void stageSend(final long seq, final DirectBuffer message, final int offset, final int length)
    {
        final int slot = sendQueue.slot(seq);
        final ByteBuffer header = headers[slot];
        TcpFrame.put(header, 0, TcpFrame.SEND, 0, length, 0, 0, 0, seq);
        message.getBytes(offset, header, TcpFrame.LENGTH, length);
        header.clear().limit(TcpFrame.LENGTH + length);
        hasPayload[slot] = false;
    }

    /**
     * Queues a control frame.
     *
     * @return false if there is no room (the caller tries again later).
     */
    boolean queueControl(final int type, final int flags, final int length, final int key, final long offset, final long seq)
    {
        if (control.remaining() < TcpFrame.LENGTH)
        {
            return false;
        }
        final int index = control.position();
        TcpFrame.put(control, index, type, flags, length, key, 0, offset, seq);
        control.position(index + TcpFrame.LENGTH);
        return true;
    }

    /**
     * Writes as much as the socket takes without blocking.
     *
     * @return bytes written.
     * @throws IOException if the socket failed.
     */
    long transmit() throws IOException
    {
        long total = 0;
        socketFull = false;
        while (true)
        {
            int count = 0;
            final boolean withControl = !framePartial && control.position() > 0;
            if (withControl)
            {
                control.flip();
                gather[count++] = control;
            }
            final long posted = sendQueue.posted();
            for (long seq = nextToSend; seq < posted && seq - nextToSend < MAX_GATHER_FRAMES; seq++)
            {
                final int slot = sendQueue.slot(seq);
                gather[count++] = headers[slot];
                if (hasPayload[slot])
                {
                    gather[count++] = payloads[slot];
                }
            }
            if (count == 0)
            {
                return total;
            }
            final long written = channel.write(gather, 0, count);
            total += written;
            socketFull = gather[count - 1].hasRemaining();
            if (withControl)
            {
                control.compact();
            }
            advance(posted);
            if (socketFull || written == 0)
            {
                return total;
            }
        }
    }

    private void advance(final long posted)
    {
        while (nextToSend < posted)
        {
            final int slot = sendQueue.slot(nextToSend);
            final ByteBuffer header = headers[slot];
            if (header.hasRemaining() || (hasPayload[slot] && payloads[slot].hasRemaining()))
            {
                framePartial = header.position() > 0;
                return;
            }
            nextToSend++;
            framePartial = false;
        }
    }

    private ByteBuffer view(final int slot, final MemoryRegion local, final long offset, final int length)
    {
        if (local.length() > Integer.MAX_VALUE)
        {
            payloadRegions[slot] = null;
            return local.segment().asSlice(offset, length).asByteBuffer();
        }
        ByteBuffer view = payloads[slot];
        if (payloadRegions[slot] != local || view == null)
        {
            view = local.segment().asByteBuffer();
            payloadRegions[slot] = local;
        }
        view.clear().position((int)offset).limit((int)offset + length);
        return view;
    }
}
