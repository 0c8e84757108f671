package io.fusewire.transport;

/**
 * A completion copied out of the flyweight, for assertions.
 *
 * @param connection the connection.
 * @param opcode     the opcode.
 * @param status     the status.
 * @param wrId       the work request id.
 * @param immediate  the immediate.
 * @param length     the length.
 * @param message    the received message bytes, or null.
 * @param text       {@link Completion#describe()} for errors, else null.
 */
record Seen(Connection connection, int opcode, int status, long wrId, int immediate, int length, byte[] message, String text)
{
    static Seen of(final Completion c)
    {
        byte[] message = null;
        if (c.opcode() == Opcode.RECV)
        {
            message = new byte[c.length()];
            c.message().getBytes(0, message);
        }
        return new Seen(c.connection(), c.opcode(), c.status(), c.wrId(), c.immediate(), c.length(), message,
            c.isSuccess() ? null : c.describe());
    }
}
