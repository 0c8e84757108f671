package io.fusewire.transport.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The handshake socket of a connection whose data moves elsewhere (mapped memory for shm, queue
 * pairs for verbs), kept open only because it closes when the peer's process ends: a cheap,
 * reliable sign of death that needs no traffic. The peer never writes to it after the handshake.
 */
public final class PeerWatch implements AutoCloseable
{
    private final SocketChannel socket;
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    private boolean exited;

    /** @param socket the handshake socket, in non-blocking mode. */
    public PeerWatch(final SocketChannel socket)
    {
        this.socket = socket;
    }

    /** Reads the socket without blocking, to see whether the peer's end closed; once per heartbeat interval. */
    public void check()
    {
        if (!exited)
        {
            try
            {
                exited = socket.read(probe.clear()) < 0;
            }
            catch (final IOException ex)
            {
                exited = true;
            }
        }
    }

    /** @return true once a {@link #check()} saw the peer's end close: its process exited. */
    public boolean peerExited()
    {
        return exited;
    }

    /** Closes the socket, best effort. */
    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // nothing more to release here
        }
    }
}
