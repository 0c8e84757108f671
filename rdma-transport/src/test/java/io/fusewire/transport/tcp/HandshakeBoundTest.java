package io.fusewire.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.Listener;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.support.Handshake;
import io.fusewire.transport.support.Hello;
import io.fusewire.transport.support.HostPort;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener's port against peers that hold it without completing a handshake: one that trickles
 * bytes is cut at the handshake bound (its socket timeout alone would restart with every byte), and
 * one address cannot hold more than its share of pending handshakes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class HandshakeBoundTest
{
    private static final long BOUND_MS = 1_000;

    @Test
    void aPeerThatTricklesBytesIsCutAtTheHandshakeBound() throws Exception
    {
        try (Fabric fabric = Fabric.open("tcp", new TransportContext().connectTimeoutMs(BOUND_MS));
            Device device = fabric.openDefaultDevice();
            CompletionQueue queue = device.createCompletionQueue();
            Listener listener = device.listen("127.0.0.1:0", List.of(), queue);
            Socket slow = connect(listener))
        {
            final OutputStream out = slow.getOutputStream();
            final InputStream in = slow.getInputStream();
            // a hello's first fields, right, then a provider name of 64 characters a byte every 200 ms for up to 6 s:
            // far under the socket timeout each time, never a whole hello
            new DataInputStream(in).readFully(new byte[Handshake.CHALLENGE_BYTES]); // the listener's challenge
            final DataOutputStream start = new DataOutputStream(out);
            start.writeInt(Hello.MAGIC);
            start.writeShort(Hello.VERSION);
            start.writeShort(64);
            start.flush();
            final long begun = System.nanoTime();
            boolean cut = false;
            for (int i = 0; i < 30 && !cut; i++)
            {
                try
                {
                    out.write('t');
                    out.flush();
                    slow.setSoTimeout(200);
                    cut = in.read() < 0;
                }
                catch (final SocketTimeoutException ex)
                {
                    // still open
                }
                catch (final java.io.IOException ex)
                {
                    cut = true;
                }
            }
            final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun);
            assertTrue(cut, "the listener closed the socket");
            assertTrue(ms < 3 * BOUND_MS, "closed after " + ms + " ms");
        }
    }

    @Test
    void oneAddressCannotHoldEveryPendingHandshake() throws Exception
    {
        try (Fabric fabric = Fabric.open("tcp", new TransportContext().connectTimeoutMs(30_000));
            Device device = fabric.openDefaultDevice();
            CompletionQueue queue = device.createCompletionQueue();
            Listener listener = device.listen("127.0.0.1:0", List.of(), queue))
        {
            final List<Socket> silent = new ArrayList<>();
            try
            {
                for (int i = 0; i < 16; i++)
                {
                    silent.add(connect(listener));
                }
                try (Socket beyond = connect(listener))
                {
                    beyond.setSoTimeout(5_000);
                    assertEquals(-1, beyond.getInputStream().read(), "the 17th pending handshake from one address is closed at once");
                }
                silent.getFirst().setSoTimeout(300);
                assertTrue(stillOpen(silent.getFirst()), "the first 16 wait out their bound");
            }
            finally
            {
                for (final Socket socket : silent)
                {
                    socket.close();
                }
            }
        }
    }

    private static boolean stillOpen(final Socket socket) throws Exception
    {
        try
        {
            return socket.getInputStream().read() >= 0;
        }
        catch (final SocketTimeoutException ex)
        {
            return true;
        }
    }

    private static Socket connect(final Listener listener) throws Exception
    {
        final Socket socket = new Socket();
        final InetSocketAddress address = HostPort.parse(listener.address());
        socket.connect(address, 5_000);
        return socket;
    }
}
