package io.fusewire.transport;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One completion, as a flyweight: a {@link CompletionQueue} fills the same instance for every
 * completion it hands to a {@link CompletionHandler}, so the fields are valid only during the
 * callback. Nothing here allocates unless {@link #describe()} is called.
 */
public final class Completion
{
    /** {@link #refusal()} of a refused write: the peer exposes no region with that key. */
    public static final int REFUSED_UNKNOWN_REGION = 1;
    /** {@link #refusal()} of a refused write: offset and length do not fit in the region. */
    public static final int REFUSED_OUT_OF_BOUNDS = 2;

    private final UnsafeBuffer message = new UnsafeBuffer(0, 0);
    private Connection connection;
    private int opcode;
    private int status;
    private long wrId;
    private int immediate;
    private int length;
    private int remoteKey;
    private long remoteOffset;
    private long regionLength;
    private int refusal;
    private String reason;

    /**
     * Fills this completion for a local operation or a remote write. Called by providers.
     *
     * @param connection the connection it belongs to.
     * @param opcode     an {@link Opcode}.
     * @param status     a {@link Status}.
     * @param wrId       the caller's work request id for local operations, else 0.
     * @param immediate  the immediate of a {@link Opcode#WRITE_IMM}, else 0.
     * @param length     bytes moved.
     * @return this, for chaining the optional setters.
     */
    public Completion set(
        final Connection connection,
        final int opcode,
        final int status,
        final long wrId,
        final int immediate,
        final int length)
    {
        this.connection = connection;
        this.opcode = opcode;
        this.status = status;
        this.wrId = wrId;
        this.immediate = immediate;
        this.length = length;
        this.remoteKey = 0;
        this.remoteOffset = 0;
        this.regionLength = 0;
        this.refusal = 0;
        this.reason = null;
        this.message.wrap(0, 0);
        return this;
    }

    /**
     * Adds what a refused write asked for. Called by providers on the error path.
     *
     * @param remoteKey    the key the write named.
     * @param remoteOffset the offset it asked for.
     * @param regionLength the length of the region as the peer described it, or -1 if unknown.
     * @param refusal      {@link #REFUSED_UNKNOWN_REGION} or {@link #REFUSED_OUT_OF_BOUNDS}.
     * @return this.
     */
    public Completion refusedWrite(final int remoteKey, final long remoteOffset, final long regionLength, final int refusal)
    {
        this.remoteKey = remoteKey;
        this.remoteOffset = remoteOffset;
        this.regionLength = regionLength;
        this.refusal = refusal;
        return this;
    }

    /**
     * Adds the reason a connection ended. Called by providers, once per connection.
     *
     * @param reason plain words for an operator.
     * @return this.
     */
    public Completion reason(final String reason)
    {
        this.reason = reason;
        return this;
    }

    /**
     * Points {@link #message()} at a received control message. Called by providers.
     *
     * @param buffer where the message is.
     * @param offset its first byte.
     * @param length its length.
     * @return this.
     */
    public Completion message(final DirectBuffer buffer, final int offset, final int length)
    {
        this.message.wrap(buffer, offset, length);
        return this;
    }

    /** @return the connection this completion belongs to. */
    public Connection connection()
    {
        return connection;
    }

    /** @return an {@link Opcode}. */
    public int opcode()
    {
        return opcode;
    }

    /** @return a {@link Status}. */
    public int status()
    {
        return status;
    }

    /** @return true when {@link #status()} is {@link Status#SUCCESS}. */
    public boolean isSuccess()
    {
        return status == Status.SUCCESS;
    }

    /** @return the work request id given when the operation was posted (local opcodes). */
    public long wrId()
    {
        return wrId;
    }

    /** @return the 32-bit immediate of a {@link Opcode#WRITE_IMM}. */
    public int immediate()
    {
        return immediate;
    }

    /** @return bytes written or received. */
    public int length()
    {
        return length;
    }

    /** @return the region key a refused write named. */
    public int remoteKey()
    {
        return remoteKey;
    }

    /** @return the offset a refused write asked for. */
    public long remoteOffset()
    {
        return remoteOffset;
    }

    /** @return {@link #REFUSED_UNKNOWN_REGION}, {@link #REFUSED_OUT_OF_BOUNDS}, or 0. */
    public int refusal()
    {
        return refusal;
    }

    /** @return the message of a {@link Opcode#RECV}, valid only during the callback. */
    public DirectBuffer message()
    {
        return message;
    }

    /**
     * Plain words for this completion, for logs and exceptions. Allocates; use off the hot path.
     *
     * @return a description naming what failed and why.
     */
    public String describe()
    {
        final StringBuilder sb = new StringBuilder()
            .append(Opcode.name(opcode)).append(' ').append(Status.name(status));
        if (connection != null)
        {
            sb.append(" on ").append(connection);
        }
        if (status == Status.REMOTE_ACCESS_ERROR)
        {
            sb.append(": write of ").append(length).append(" bytes at offset ").append(remoteOffset)
                .append(" into region key 0x").append(Integer.toHexString(remoteKey));
            if (refusal == REFUSED_UNKNOWN_REGION)
            {
                sb.append(" refused: the peer exposes no region with that key (use a RemoteRegion from"
                    + " connection.remoteRegions())");
            }
            else
            {
                sb.append(" refused: outside the region's ").append(regionLength)
                    .append(" bytes (offset + length must be <= region length)");
            }
        }
        if (reason != null)
        {
            sb.append(": ").append(reason);
        }
        return sb.toString();
    }

    @Override
    public String toString()
    {
        return describe();
    }
}
