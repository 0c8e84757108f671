package io.fusewire.transport.support;

import io.fusewire.transport.Admission;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportException;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * One side of a connection's handshake over its socket, in blocking mode with every read bounded
 * by the connect timeout: the listener sends a fresh random challenge, the connector sends its
 * {@link Hello} with private data made from it (a proof of a secret, without the secret), the
 * listener's {@link Admission} decides and the listener answers with its own hello or a refusal,
 * then each side confirms. Reads are unbuffered so that no byte after the handshake is swallowed.
 */
public final class Handshake
{
    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final Admission admission;
    /** Bytes of the listener's challenge. */
    public static final int CHALLENGE_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final UnaryOperator<byte[]> privateData;
    private final String address;
    private List<MemoryRegion> exposed;
    private Hello remote;
    private boolean admitted;

    /** A connector's handshake, exposing fixed regions and sending private data. */
    Handshake(final SocketChannel channel, final String address, final long timeoutMs, final List<MemoryRegion> exposed,
        final UnaryOperator<byte[]> privateData) throws IOException
    {
        this(channel, address, timeoutMs, null, exposed, privateData);
    }

    /** A listener's handshake, deciding with an admission. */
    Handshake(final SocketChannel channel, final String address, final long timeoutMs, final Admission admission)
        throws IOException
    {
        this(channel, address, timeoutMs, admission, List.of(), challenge -> new byte[0]);
    }

    private Handshake(
        final SocketChannel channel,
        final String address,
        final long timeoutMs,
        final Admission admission,
        final List<MemoryRegion> exposed,
        final UnaryOperator<byte[]> privateData) throws IOException
    {
        this.channel = channel;
        this.address = address;
        this.admission = admission;
        this.exposed = exposed;
        this.privateData = privateData;
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

    /** @return the regions this side exposes; on a listener, known once {@link #exchange} admitted the peer. */
    public List<MemoryRegion> exposed()
    {
        return exposed;
    }

    /**
     * Exchanges hellos: a connector sends first and reads the answer; a listener reads, admits,
     * and answers.
     *
     * @param provider the provider both sides must speak.
     * @param local    makes this side's hello from the regions it exposes and its private data.
     * @return the peer's hello, checked.
     * @throws IOException if the socket fails or times out, the peer's bytes are wrong, or either
     *                     side refused (with the reason).
     */
    public Hello exchange(final String provider, final BiFunction<List<MemoryRegion>, byte[], Hello> local) throws IOException
    {
        if (admission == null)
        {
            final byte[] challenge = new byte[CHALLENGE_BYTES];
            in.readFully(challenge);
            final byte[] data = privateData.apply(challenge);
            if (data.length > Hello.MAX_PRIVATE_DATA)
            {
                throw new IllegalArgumentException("private data of " + data.length + " bytes: at most " + Hello.MAX_PRIVATE_DATA);
            }
            local.apply(exposed, data).write(out);
            out.flush();
            readAnswer();
            remote = Hello.read(in, provider);
        }
        else
        {
            final byte[] challenge = new byte[CHALLENGE_BYTES];
            RANDOM.nextBytes(challenge);
            out.write(challenge);
            out.flush();
            remote = Hello.read(in, provider);
            try
            {
                exposed = List.copyOf(admission.admit(peer(), challenge, remote.privateData()));
                admitted = true;
            }
            catch (final TransportException ex)
            {
                throw new ProtocolException("not admitted: " + ex.getMessage());
            }
            catch (final Admission.AskAgain ex)
            {
                throw new AskedAgain("not admitted yet: " + ex.getMessage());
            }
            out.writeByte(1);
            local.apply(exposed, new byte[0]).write(out);
            out.flush();
        }
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
        readAnswer();
    }

    private void readAnswer() throws IOException
    {
        final int answer = in.readUnsignedByte();
        if (answer != 1)
        {
            throw new ProtocolException(answer == 0 ? "peer refused the connection: " + in.readUTF()
                : "peer answered the handshake with " + answer);
        }
    }

    /** The admission asked the peer to connect again with more: a refusal, but no failure to log. */
    static final class AskedAgain extends ProtocolException
    {
        AskedAgain(final String message)
        {
            super(message);
        }
    }

    /** The connection will not be made: releases what the admission reserved for it, if it admitted it. */
    public void abandon()
    {
        if (admitted)
        {
            admitted = false;
            admission.abandoned(peer(), remote.privateData());
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
