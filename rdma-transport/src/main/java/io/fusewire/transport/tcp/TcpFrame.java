package io.fusewire.transport.tcp;

import java.nio.ByteBuffer;

/**
 * The frame of the tcp provider: a fixed 32-byte header, little-endian, followed by the payload
 * of WRITE and SEND frames.
 *
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------+---------------+-------------------------------+
 *   |     type      |     flags     |          reserved (0)         |  0
 *   +---------------+---------------+-------------------------------+
 *   |                        payload length                         |  4
 *   +---------------------------------------------------------------+
 *   |                          region key                           |  8
 *   +---------------------------------------------------------------+
 *   |                          immediate                            | 12
 *   +---------------------------------------------------------------+
 *   |                     region offset (64 bits)                   | 16
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *   |                       sequence (64 bits)                      | 24
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *
 *   WRITE      payload = data for (key, offset); immediate; sequence = sender's work request
 *   SEND       payload = a control message; sequence = sender's work request
 *   ACK        sequence = every WRITE and SEND below it was placed (cumulative)
 *   NACK       a WRITE refused: flags = reason (1 unknown key, 2 out of bounds), key, offset and
 *              length echo the write, sequence = the write's; precedes the ACK that covers it
 *   HEARTBEAT  nothing else was sent for a heartbeat interval
 *   CLOSE      the sender closes in order; nothing follows
 * </pre>
 *
 * A receiver checks every header before it reads the payload: an unknown type, reserved bits set,
 * a length beyond the limit or a sequence out of order closes the connection as a protocol error;
 * a WRITE that names a wrong region is refused with a NACK and the connection goes on.
 */
final class TcpFrame
{
    static final int LENGTH = 32;

    static final int WRITE = 1;
    static final int SEND = 2;
    static final int ACK = 3;
    static final int NACK = 4;
    static final int HEARTBEAT = 5;
    static final int CLOSE = 6;

    static final int TYPE_OFFSET = 0;
    static final int FLAGS_OFFSET = 1;
    static final int RESERVED_OFFSET = 2;
    static final int PAYLOAD_LENGTH_OFFSET = 4;
    static final int KEY_OFFSET = 8;
    static final int IMMEDIATE_OFFSET = 12;
    static final int REGION_OFFSET_OFFSET = 16;
    static final int SEQUENCE_OFFSET = 24;

    private TcpFrame()
    {
    }

    /** Writes a header at {@code index} of a little-endian buffer, without moving its position. */
    static void put(
        final ByteBuffer buffer,
        final int index,
        final int type,
        final int flags,
        final int payloadLength,
        final int key,
        final int immediate,
        final long regionOffset,
        final long sequence)
    {
        buffer.put(index + TYPE_OFFSET, (byte)type);
        buffer.put(index + FLAGS_OFFSET, (byte)flags);
        buffer.putShort(index + RESERVED_OFFSET, (short)0);
        buffer.putInt(index + PAYLOAD_LENGTH_OFFSET, payloadLength);
        buffer.putInt(index + KEY_OFFSET, key);
        buffer.putInt(index + IMMEDIATE_OFFSET, immediate);
        buffer.putLong(index + REGION_OFFSET_OFFSET, regionOffset);
        buffer.putLong(index + SEQUENCE_OFFSET, sequence);
    }

    static String typeName(final int type)
    {
        return switch (type)
        {
            case WRITE -> "WRITE";
            case SEND -> "SEND";
            case ACK -> "ACK";
            case NACK -> "NACK";
            case HEARTBEAT -> "HEARTBEAT";
            case CLOSE -> "CLOSE";
            default -> "type " + type;
        };
    }
}
