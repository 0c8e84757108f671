package io.fusewire.transport;

/**
 * Codes returned by {@link Connection#write} and {@link Connection#send}. Posting never blocks and
 * never throws: a caller that gets {@link #BACK_PRESSURED} polls its completion queue and tries
 * again. Anything about the remote side (a wrong key, a bad offset) is reported later as an error
 * completion, as verbs does, so that every provider behaves the same.
 */
public final class PostResult
{
    /** Posted; a completion will follow. */
    public static final int OK = 0;
    /** The send queue (or the ring towards the peer) is full: poll, then post again. */
    public static final int BACK_PRESSURED = -1;
    /** The connection is disconnected or closed. */
    public static final int NOT_CONNECTED = -2;
    /** The local arguments are wrong: range outside the local region, negative length, or a
     * message longer than {@link Connection#maxMessageLength()}. */
    public static final int INVALID_ARGUMENT = -3;

    private PostResult()
    {
    }

    /**
     * @param code a code returned by a post.
     * @return its name, for logs and messages.
     */
    public static String name(final int code)
    {
        return switch (code)
        {
            case OK -> "OK";
            case BACK_PRESSURED -> "BACK_PRESSURED";
            case NOT_CONNECTED -> "NOT_CONNECTED";
            case INVALID_ARGUMENT -> "INVALID_ARGUMENT";
            default -> "RESULT(" + code + ")";
        };
    }
}
