package io.fusewire.transport;

/** A control-path failure (setup, connect, allocation), with a message that says what to do. */
public final class TransportException extends RuntimeException
{
    /**
     * @param message what failed and what to do.
     */
    public TransportException(final String message)
    {
        super(message);
    }

    /**
     * @param message what failed and what to do.
     * @param cause   the underlying failure.
     */
    public TransportException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
