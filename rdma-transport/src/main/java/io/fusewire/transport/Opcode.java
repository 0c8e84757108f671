package io.fusewire.transport;

/**
 * What a {@link Completion} reports. Local opcodes complete an operation this side posted; remote
 * opcodes report something the peer did to this side.
 */
public final class Opcode
{
    /** A {@link Connection#write} posted here has completed (the data is in the peer's region). */
    public static final int WRITE = 1;
    /** A {@link Connection#send} posted here has completed. */
    public static final int SEND = 2;
    /** The peer wrote into one of this side's exposed regions; the immediate and length are set. */
    public static final int WRITE_IMM = 3;
    /** The peer sent a control message; {@link Completion#message()} holds it for the callback. */
    public static final int RECV = 4;
    /** The connection ended; the status says why (orderly close, peer lost, protocol error). */
    public static final int DISCONNECTED = 5;

    private Opcode()
    {
    }

    /**
     * @param opcode one of the constants above.
     * @return its name, for logs and messages.
     */
    public static String name(final int opcode)
    {
        return switch (opcode)
        {
            case WRITE -> "WRITE";
            case SEND -> "SEND";
            case WRITE_IMM -> "WRITE_IMM";
            case RECV -> "RECV";
            case DISCONNECTED -> "DISCONNECTED";
            default -> "OPCODE(" + opcode + ")";
        };
    }
}
