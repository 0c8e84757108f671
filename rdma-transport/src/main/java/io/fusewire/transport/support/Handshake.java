package io.fusewire.transport.support;

import io.fusewire.transport.MemoryRegion;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * One side of a connection's handshake over its socket, in blocking mode with every read bounded
 * by the connect timeout: exchange {@link Hello}s, then each side accepts or refuses. Reads are
 * unbuffered so that no byte after the handshake is swallowed.
 */
public final class Handshake
{
    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final List<MemoryRegion> exposed;
    private final String address;
    private Hello remote;

    Handshake(final SocketChannel channel, final List<MemoryRegion> exposed, final String address, final long timeoutMs)
        throws IOException
    {
        this.channel = channel;
        this.exposed = exposed;
        this.address = address;
        channel.configureBlocking(true);
        final Socket socket = channel.socket();
        socket.setSoTimeout((int)Math.min(Integer.MAX_VALUE, timeoutMs));
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /** @return the socket, still in blocking mode. */
    public SocketChannel channel()
    {
        return channel;
    }

    /** @return the regions this side exposes. */
    public List<MemoryRegion> exposed()
    {
        return exposed;
    }

    /**
     * Sends this side's hello and reads the peer's.
     *
     * @param local this side's hello.
     * @return the peer's hello, checked.
     * @throws IOException if the socket fails, times out, or the peer's bytes are wrong.
     */
    public Hello exchange(final Hello local) throws IOException
    {
        local.write(out);
        out.flush();
        remote = Hello.read(in, local.provider());
        return remote;
    }

    /**
     * Accepts the peer and waits for the peer to accept this side.
     *
     * @throws IOException if the peer refused (with its reason) or the socket failed.
     */
    public void confirm() throws IOException
    {
        out.writeByte(1);
        out.flush();
        final int answer = in.readUnsignedByte();
        if (answer != 1)
        {
            throw new ProtocolException(answer == 0 ? "peer refused the connection: " + in.readUTF()
                : "peer answered the handshake with " + answer);
        }
    }

    /**
     * Tells the peer why this side refuses it, best effort.
     *
     * @param reason plain words.
     */
    public void refuse(final String reason)
    {
        try
        {
            out.writeByte(0);
            out.writeUTF(reason == null ? "unknown" : reason);
            out.flush();
        }
        catch (final IOException ignore)
        {
            // the peer may be gone already; the reason is logged by the caller
        }
    }

    /** @return the peer for messages: host:port and, once known, its process id. */
    public String peer()
    {
        return remote == null ? address : address + " (pid " + remote.pid() + ")";
    }
}
