package io.fusewire.transport;

/**
 * The status of a {@link Completion}: success, or the reason an operation or a connection failed.
 * Modelled on the verbs work-completion statuses, reduced to what a caller can act on.
 */
public final class Status
{
    /** The operation completed; for {@link Opcode#DISCONNECTED}, the peer closed in order. */
    public static final int SUCCESS = 0;
    /** The peer refused a write: unknown region key, or offset and length outside the region. */
    public static final int REMOTE_ACCESS_ERROR = 1;
    /** The connection ended before this operation completed; it may or may not have landed. */
    public static final int FLUSHED = 2;
    /** The peer died, reset the connection or went silent for longer than the peer timeout. */
    public static final int PEER_LOST = 3;
    /** The peer sent bytes that break the wire protocol; the connection was closed. */
    public static final int PROTOCOL_ERROR = 4;
    /**
     * A write's source bytes changed between its post and its completion, breaking the contract of
     * {@link Connection#write}: what landed may be either version. Reported only under
     * {@link TransportContext#VERIFY_SOURCES_PROP}.
     */
    public static final int SOURCE_CHANGED = 5;

    private Status()
    {
    }

    /**
     * @param status one of the constants above.
     * @return its name, for logs and messages.
     */
    public static String name(final int status)
    {
        return switch (status)
        {
            case SUCCESS -> "SUCCESS";
            case REMOTE_ACCESS_ERROR -> "REMOTE_ACCESS_ERROR";
            case FLUSHED -> "FLUSHED";
            case PEER_LOST -> "PEER_LOST";
            case PROTOCOL_ERROR -> "PROTOCOL_ERROR";
            case SOURCE_CHANGED -> "SOURCE_CHANGED";
            default -> "STATUS(" + status + ")";
        };
    }
}
