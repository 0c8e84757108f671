package io.fusewire.transport.tcp;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.Status;
import io.fusewire.transport.support.SendQueue;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The inbound half of a tcp connection: reads frames, checks each header before a byte of its
 * payload is taken, places WRITE payloads straight into the exposed region (large ones read from
 * the socket directly into it, small ones through the staging buffer, which also holds headers and
 * SEND messages), and turns ACK and NACK frames into the send queue's completions.
 */
final class TcpReceiver
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.transport");
    private static final int DIRECT_READ_THRESHOLD = 64 * 1024;
    /** After a read finds nothing, the socket is not read again for this long: a read costs a
     * system call, and a connection that streams out mostly finds nothing but ACKs coming in. */
    private static final long QUIET_READ_BACKOFF_NS = 5_000;

    private final TcpConnection connection;
    private final SocketChannel channel;
    private final SendQueue sendQueue;
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
    private long nowNs;
    private long quietUntilNs;

    private boolean inPayload;
    private int payloadLength;
    private long payloadRemaining;
    private int payloadImmediate;
    private MemorySegment payloadTarget;
    private ByteBuffer payloadView;
    private long payloadOffset;

    TcpReceiver(final TcpConnection connection, final SocketChannel channel, final SendQueue sendQueue,
        final TcpTransmitter transmitter, final List<MemoryRegion> exposedRegions, final int stagingBytes,
        final int localMaxMessageLength, final Arena buffers)
    {
        this.connection = connection;
        this.channel = channel;
        this.sendQueue = sendQueue;
        this.transmitter = transmitter;
        this.localMaxMessageLength = localMaxMessageLength;
        for (final MemoryRegion region : exposedRegions)
        {
            exposed.put(region.key(), region);
            if (region.length() <= Integer.MAX_VALUE)
            {
                exposedViews.put(region.key(), region.segment().asByteBuffer());
            }
        }
        staging = buffers.allocate(stagingBytes, 64).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        stagingSegment = MemorySegment.ofBuffer(staging);
        stagingView = new UnsafeBuffer(staging);
    }

    /** @return frames received in order (WRITE and SEND), the cumulative ACK this side owes. */
    long received()
    {
        return received;
    }

    /** @return true if reading now may find something: bytes are staged, a payload is half read, or the quiet spell is over. */
    boolean worthReading(final long nowNs)
    {
        return readIndex != writeIndex || inPayload || nowNs - quietUntilNs >= 0;
    }

    /** @return true while the last read found nothing, a short while ago. */
    boolean isQuiet(final long nowNs)
    {
        return quietUntilNs - nowNs > 0;
    }

    /**
     * Reads what the socket has and hands over the completions of the peer's frames.
     *
     * @param nowNs the poll's time.
     * @return completions handed over.
     * @throws IOException if the socket failed.
     */
    int receive(final long nowNs, final Completion completion, final CompletionHandler handler, final int budget) throws IOException
    {
        this.nowNs = nowNs;
        int delivered = 0;
        while (delivered < budget && connection.isConnected())
        {
            if (inPayload)
            {
                if (placePayload())
                {
                    inPayload = false;
                    received++;
                    if (payloadTarget != null)
                    {
                        completion.set(connection, Opcode.WRITE_IMM, Status.SUCCESS, 0, payloadImmediate, payloadLength);
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
            connection.endWith(Status.PROTOCOL_ERROR, "malformed frame from the peer: " + malformed + "; connection closed");
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
                completion.set(connection, Opcode.RECV, Status.SUCCESS, 0, 0, length)
                    .message(stagingView, at + TcpFrame.LENGTH, length);
                handler.onCompletion(completion);
                return 1;
            }
            case TcpFrame.ACK ->
            {
                readIndex += TcpFrame.LENGTH;
                if (!sendQueue.acknowledge(seq))
                {
                    connection.endWith(Status.PROTOCOL_ERROR, "peer acknowledged work request " + seq + " of " + sendQueue.posted() + " posted");
                }
                return 0;
            }
            case TcpFrame.NACK ->
            {
                readIndex += TcpFrame.LENGTH;
                if (!sendQueue.refuse(seq, flags))
                {
                    connection.endWith(Status.PROTOCOL_ERROR, "peer refused work request " + seq + ", which is not a write in flight");
                }
                return 0;
            }
            case TcpFrame.CLOSE ->
            {
                readIndex += TcpFrame.LENGTH;
                connection.endWith(Status.SUCCESS, "the peer closed the connection");
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
        final int refusal = TcpConnection.refusalOf(region == null ? -1 : region.length(), offset, length);
        if (refusal != 0)
        {
            transmitter.queueControl(TcpFrame.NACK, refusal, length, key, offset, seq);
            LOG.log(System.Logger.Level.WARNING, "refused a write from " + connection.peer() + ": " + length + " bytes at offset "
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
                connection.heardPeer();
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
            connection.heardPeer();
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
            connection.endWith(Status.PEER_LOST, midFrame
                ? "the peer closed the socket in the middle of a frame (truncated frame; did its process die?)"
                : "the peer closed the socket without closing the connection (did its process die?)");
        }
    }
}
