package io.fusewire.fusion.protocol;

import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The control messages of the aggregation protocol, sent with {@code Connection.send}.
 * Little-endian, a type first:
 *
 * <pre>
 *   BEGIN  worker to aggregator, before the first chunk of a collective that aggregator takes part in
 *     0 int type = 1 | 4 int data type code | 8 int operator code (+ ChunkImmediate.PREFIX) | 12 long collective sequence
 *     | 20 long element count (this worker's: a common-prefix collective's counts may differ)
 *   ERROR  aggregator to worker: the job failed; the connection closes after it
 *     0 int type = 2 | 4.. the reason, UTF-8
 *   RESUME  worker to the aggregator that took over another's chunks after a failover, before any chunk
 *     0 int type = 3 | 4 long the first position, in the failed aggregator's stream of chunks, whose result this worker lacks
 *   RESUMED  aggregator to worker, once every worker has sent RESUME: where the stream resumes
 *     0 int type = 4 | 4 long the least of the workers' positions
 * </pre>
 */
public final class ControlMessages
{
    /** Type of BEGIN. */
    public static final int BEGIN = 1;
    /** Type of ERROR. */
    public static final int ERROR = 2;
    /** Type of RESUME. */
    public static final int RESUME = 3;
    /** Type of RESUMED. */
    public static final int RESUMED = 4;
    /** Bytes of a RESUME or RESUMED. */
    public static final int RESUME_LENGTH = 12;
    /** Bytes of a BEGIN. */
    public static final int BEGIN_LENGTH = 28;

    private ControlMessages()
    {
    }

    /** @return the type of a message. */
    public static int type(final DirectBuffer message)
    {
        return message.capacity() >= 4 ? message.getInt(0) : 0;
    }

    /** Writes a BEGIN at 0. */
    public static int putBegin(final MutableDirectBuffer buffer, final int dtype, final int op, final long sequence, final long count)
    {
        buffer.putInt(0, BEGIN);
        buffer.putInt(4, dtype);
        buffer.putInt(8, op);
        buffer.putLong(12, sequence);
        buffer.putLong(20, count);
        return BEGIN_LENGTH;
    }

    /** @return the BEGIN's data type code. */
    public static int beginDtype(final DirectBuffer message)
    {
        return message.getInt(4);
    }

    /** @return the BEGIN's operator code. */
    public static int beginOp(final DirectBuffer message)
    {
        return message.getInt(8);
    }

    /** @return the BEGIN's collective sequence. */
    public static long beginSequence(final DirectBuffer message)
    {
        return message.getLong(12);
    }

    /** @return the BEGIN's element count. */
    public static long beginCount(final DirectBuffer message)
    {
        return message.getLong(20);
    }

    /**
     * Writes a RESUME or RESUMED at 0.
     *
     * @param type     {@link #RESUME} or {@link #RESUMED}.
     * @param position a position in a failed aggregator's stream of chunks.
     * @return its length.
     */
    public static int putResume(final MutableDirectBuffer buffer, final int type, final long position)
    {
        buffer.putInt(0, type);
        buffer.putLong(4, position);
        return RESUME_LENGTH;
    }

    /** @return the position of a RESUME or RESUMED. */
    public static long resumePosition(final DirectBuffer message)
    {
        return message.getLong(4);
    }

    /**
     * Writes an ERROR at 0, cut to fit.
     *
     * @return its length.
     */
    public static int putError(final MutableDirectBuffer buffer, final int maxLength, final String reason)
    {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        final int length = Math.min(text.length, maxLength - 4);
        buffer.putInt(0, ERROR);
        buffer.putBytes(4, text, 0, length);
        return 4 + length;
    }

    /** @return the ERROR's reason. */
    public static String errorReason(final DirectBuffer message)
    {
        final byte[] text = new byte[message.capacity() - 4];
        message.getBytes(4, text);
        return new String(text, StandardCharsets.UTF_8);
    }
}
