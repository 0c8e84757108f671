package io.fusewire.transport.tcp;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.RemoteRegion;
import io.fusewire.transport.Status;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.support.AbstractConnection;
import io.fusewire.transport.support.Hello;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A connection over one non-blocking TCP socket, framed as {@link TcpFrame} says. The receiver
 * checks each WRITE against the regions this side exposed before a byte of it is placed, and
 * places payloads straight into the region (large ones read from the socket directly into it,
 * small ones through a staging buffer). A write completes at the sender when the receiver's
 * cumulative ACK covers it, so a completion means the data landed, as with verbs RC.
 */
final class TcpConnection extends AbstractConnection
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.transport");
    private static final int DIRECT_READ_THRESHOLD = 64 * 1024;
    /** After a read finds nothing, the socket is not read again for this long: a read costs a
     * system call, and a connection that streams out mostly finds nothing but ACKs coming in. */
    private static final long QUIET_READ_BACKOFF_NS = 5_000;
    /** Bound on delivering what was posted, and CLOSE, when the connection is closed. */
    private static final long CLOSE_LINGER_NS = 1_000_000_000L;
    /** After the socket refused bytes, sending is not tried again for this long (unless asked). */
    private static final long FULL_SOCKET_BACKOFF_NS = 10_000;

    private final SocketChannel channel;
    private final TcpTransmitter transmitter;
    private final Int2ObjectHashMap<MemoryRegion> exposed = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<ByteBuffer> exposedViews = new Int2ObjectHashMap<>();
    private final int localMaxMessageLength;
    private final ByteBuffer staging;
    private final MemorySegment stagingSegment;
    private final UnsafeBuffer stagingView;
    private int readIndex;
    private int writeIndex;
    private long received;
    private long acknowledgedToPeer;
    private long nowNs;
    private final int ackBatch;
    private long quietUntilNs;
    private long fullUntilNs;

    private boolean inPayload;
    private int payloadLength;
    private long payloadRemaining;
    private int payloadImmediate;
    private MemorySegment payloadTarget;
    private ByteBuffer payloadView;
    private long payloadOffset;

    TcpConnection(
        final TransportContext context,
        final String peer,
        final Hello remote,
        final List<MemoryRegion> exposedRegions,
        final SocketChannel channel)
    {
        super(context, peer, remote);
        this.channel = channel;
        this.localMaxMessageLength = context.maxMessageLength();
        this.ackBatch = Math.max(1, context.sendQueueDepth() / 4);
        this.transmitter = new TcpTransmitter(channel, sendQueue, context.sendQueueDepth(), maxMessageLength());
        for (final MemoryRegion region : exposedRegions)
        {
            exposed.put(region.key(), region);
            if (region.length() <= Integer.MAX_VALUE)
            {
                exposedViews.put(region.key(), region.segment().asByteBuffer());
            }
        }
        staging = ByteBuffer.allocateDirect(context.tcpStagingBytes()).order(ByteOrder.LITTLE_ENDIAN);
        stagingSegment = MemorySegment.ofBuffer(staging);
        stagingView = new UnsafeBuffer(staging);
    }

    @Override
    public int write(
        final MemoryRegion local,
        final long localOffset,
        final int length,
        final RemoteRegion remote,
        final long remoteOffset,
        final int immediate,
        final long wrId)
    {
        final int check = checkPost(local, localOffset, length);
        if (check != PostResult.OK)
        {
            return check;
        }
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
    public int send(final DirectBuffer message, final int offset, final int length, final long wrId)
    {
        final int check = checkSend(length);
        if (check != PostResult.OK)
        {
            return check;
        }
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
            if (readIndex != writeIndex || inPayload || nowNs - quietUntilNs >= 0)
            {
                delivered = receive(completion, handler, budget);
            }
        }
        catch (final IOException ex)
        {
            end(Status.PEER_LOST, "socket failed while receiving: " + ex.getMessage());
        }
        final long unacknowledged = received - acknowledgedToPeer;
        if (unacknowledged > 0 && (unacknowledged >= ackBatch || quietUntilNs - nowNs > 0)
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

    private int receive(final Completion completion, final CompletionHandler handler, final int budget) throws IOException
    {
        int delivered = 0;
        while (delivered < budget && isConnected())
        {
            if (inPayload)
            {
                if (placePayload())
                {
                    inPayload = false;
                    received++;
                    if (payloadTarget != null)
                    {
                        completion.set(this, Opcode.WRITE_IMM, Status.SUCCESS, 0, payloadImmediate, payloadLength);
                        delivered++;
                        handler.onCompletion(completion);
                    }
                    continue;
                }
                return delivered;
            }
            if (writeIndex - readIndex < TcpFrame.LENGTH)
            {
                if (fill() <= 0)
                {
                    return delivered;
                }
                continue;
            }
            final int frame = onHeader(completion, handler);
            if (frame < 0)
            {
                return delivered;
            }
            delivered += frame;
        }
        return delivered;
    }

    /** @return completions handed over (0 or 1), or -1 when more bytes are needed or the connection ended. */
    private int onHeader(final Completion completion, final CompletionHandler handler) throws IOException
    {
        final int at = readIndex;
        final int type = staging.get(at + TcpFrame.TYPE_OFFSET);
        final int flags = staging.get(at + TcpFrame.FLAGS_OFFSET);
        final int length = staging.getInt(at + TcpFrame.PAYLOAD_LENGTH_OFFSET);
        final int key = staging.getInt(at + TcpFrame.KEY_OFFSET);
        final long offset = staging.getLong(at + TcpFrame.REGION_OFFSET_OFFSET);
        final long seq = staging.getLong(at + TcpFrame.SEQUENCE_OFFSET);
        final String malformed = check(type, flags, staging.getShort(at + TcpFrame.RESERVED_OFFSET), length, seq);
        if (malformed != null)
        {
            end(Status.PROTOCOL_ERROR, "malformed frame from the peer: " + malformed + "; connection closed");
            return -1;
        }
        switch (type)
        {
            case TcpFrame.WRITE ->
            {
                readIndex += TcpFrame.LENGTH;
                beginPayload(key, offset, length, staging.getInt(at + TcpFrame.IMMEDIATE_OFFSET), seq);
                return 0;
            }
            case TcpFrame.SEND ->
            {
                if (writeIndex - at < TcpFrame.LENGTH + length)
                {
                    return fill() <= 0 ? -1 : 0;
                }
                readIndex += TcpFrame.LENGTH + length;
                received++;
                completion.set(this, Opcode.RECV, Status.SUCCESS, 0, 0, length)
                    .message(stagingView, at + TcpFrame.LENGTH, length);
                handler.onCompletion(completion);
                return 1;
            }
            case TcpFrame.ACK ->
            {
                readIndex += TcpFrame.LENGTH;
                if (!sendQueue.acknowledge(seq))
                {
                    end(Status.PROTOCOL_ERROR, "peer acknowledged work request " + seq + " of " + sendQueue.posted() + " posted");
                }
                return 0;
            }
            case TcpFrame.NACK ->
            {
                readIndex += TcpFrame.LENGTH;
                if (!sendQueue.refuse(seq, flags))
                {
                    end(Status.PROTOCOL_ERROR, "peer refused work request " + seq + ", which is not a write in flight");
                }
                return 0;
            }
            case TcpFrame.CLOSE ->
            {
                readIndex += TcpFrame.LENGTH;
                end(Status.SUCCESS, "the peer closed the connection");
                return -1;
            }
            default ->
            {
                readIndex += TcpFrame.LENGTH;
                return 0;
            }
        }
    }

    private String check(final int type, final int flags, final short reserved, final int length, final long seq)
    {
        if (type < TcpFrame.WRITE || type > TcpFrame.CLOSE)
        {
            return "unknown frame type " + type;
        }
        if (reserved != 0 || (flags != 0 && type != TcpFrame.NACK))
        {
            return TcpFrame.typeName(type) + " with reserved bits set";
        }
        if (type == TcpFrame.NACK && flags != Completion.REFUSED_UNKNOWN_REGION && flags != Completion.REFUSED_OUT_OF_BOUNDS)
        {
            return "NACK with unknown reason " + flags;
        }
        final int limit = switch (type)
        {
            case TcpFrame.WRITE -> Integer.MAX_VALUE;
            case TcpFrame.SEND -> localMaxMessageLength;
            case TcpFrame.NACK -> Integer.MAX_VALUE;
            default -> 0;
        };
        if (length < 0 || length > limit)
        {
            return TcpFrame.typeName(type) + " with payload length " + length + " (limit " + limit + ")";
        }
        if ((type == TcpFrame.WRITE || type == TcpFrame.SEND) && seq != received)
        {
            return TcpFrame.typeName(type) + " with sequence " + seq + ", expected " + received;
        }
        return null;
    }

    private void beginPayload(final int key, final long offset, final int length, final int immediate, final long seq)
    {
        inPayload = true;
        payloadLength = length;
        payloadRemaining = length;
        payloadImmediate = immediate;
        payloadOffset = offset;
        final MemoryRegion region = exposed.get(key);
        final int refusal = refusal(region == null ? -1 : region.length(), offset, length);
        if (refusal != 0)
        {
            transmitter.queueControl(TcpFrame.NACK, refusal, length, key, offset, seq);
            LOG.log(System.Logger.Level.WARNING, "refused a write from " + peer() + ": " + length + " bytes at offset "
                + offset + " of region key 0x" + Integer.toHexString(key) + (region == null ? ", which is not exposed"
                : ", outside its " + region.length() + " bytes"));
            payloadTarget = null;
            payloadView = null;
            return;
        }
        payloadTarget = region.segment();
        payloadView = exposedViews.get(key);
    }

    /** @return true when the whole payload is placed (or discarded). */
    private boolean placePayload() throws IOException
    {
        while (payloadRemaining > 0)
        {
            final int available = writeIndex - readIndex;
            if (available > 0)
            {
                final int take = (int)Math.min(available, payloadRemaining);
                if (payloadTarget != null)
                {
                    MemorySegment.copy(stagingSegment, readIndex, payloadTarget, payloadOffset, take);
                }
                readIndex += take;
                payloadOffset += take;
                payloadRemaining -= take;
                continue;
            }
            if (payloadView != null && payloadRemaining >= DIRECT_READ_THRESHOLD)
            {
                payloadView.clear().position((int)payloadOffset).limit((int)(payloadOffset + payloadRemaining));
                final int read = channel.read(payloadView);
                if (read <= 0)
                {
                    onEndOfStream(read);
                    quietUntilNs = nowNs + QUIET_READ_BACKOFF_NS;
                    return false;
                }
                heard();
                payloadOffset += read;
                payloadRemaining -= read;
                continue;
            }
            if (fill() <= 0)
            {
                return false;
            }
        }
        return true;
    }

    /** Reads into the staging buffer. @return bytes read, 0 if none are waiting, -1 at the end. */
    private int fill() throws IOException
    {
        if (readIndex == writeIndex)
        {
            readIndex = 0;
            writeIndex = 0;
        }
        else if (staging.capacity() - writeIndex < TcpFrame.LENGTH + localMaxMessageLength)
        {
            staging.put(0, staging, readIndex, writeIndex - readIndex);
            writeIndex -= readIndex;
            readIndex = 0;
        }
        staging.limit(staging.capacity()).position(writeIndex);
        final int read = channel.read(staging);
        if (read > 0)
        {
            writeIndex += read;
            heard();
        }
        else
        {
            onEndOfStream(read);
            quietUntilNs = nowNs + QUIET_READ_BACKOFF_NS;
        }
        return read;
    }

    private void onEndOfStream(final int read)
    {
        if (read < 0)
        {
            final boolean midFrame = inPayload || writeIndex > readIndex;
            end(Status.PEER_LOST, midFrame
                ? "the peer closed the socket in the middle of a frame (truncated frame; did its process die?)"
                : "the peer closed the socket without closing the connection (did its process die?)");
        }
    }
}
