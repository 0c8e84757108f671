package io.fusewire.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.Listener;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.Status;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.support.Handshake;
import io.fusewire.transport.support.Hello;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A listener faced with a peer that speaks the handshake and then breaks the frame protocol. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class TcpProtocolTest
{
    private Fabric fabric;
    private Device device;
    private CompletionQueue queue;
    private MemoryRegion region;
    private Listener listener;
    private final List<String> ends = new ArrayList<>();
    private final List<Connection> ended = new ArrayList<>();

    @BeforeEach
    void listen()
    {
        fabric = Fabric.open("tcp", new TransportContext().peerTimeoutMs(800).heartbeatIntervalMs(100));
        device = fabric.openDefaultDevice();
        queue = device.createCompletionQueue();
        region = device.allocate(64 * 1024);
        listener = device.listen("127.0.0.1:0", List.of(region), queue);
    }

    @AfterEach
    void close()
    {
        fabric.close();
    }

    @Test
    void anUnknownFrameTypeClosesThatConnectionAndTheListenerKeepsServing() throws Exception
    {
        try (Socket raw = handshake())
        {
            final Connection accepted = awaitAccept();
            send(raw, frame(99, 0, 0, 0, 0));
            final String reason = awaitEnd(accepted);
            assertTrue(reason.startsWith(Status.name(Status.PROTOCOL_ERROR)) && reason.contains("unknown frame type 99"), reason);
        }
        try (Socket again = handshake())
        {
            assertTrue(awaitAccept().isConnected(), "the listener accepts after a bad peer");
        }
    }

    @Test
    void aWriteFrameOutOfSequenceIsAProtocolError() throws Exception
    {
        try (Socket raw = handshake())
        {
            final Connection accepted = awaitAccept();
            send(raw, frame(TcpFrame.WRITE, 0, region.key(), 0, 5));
            final String reason = awaitEnd(accepted);
            assertTrue(reason.contains("sequence 5, expected 0"), reason);
        }
    }

    @Test
    void aTruncatedFrameEndsTheConnectionWithAReason() throws Exception
    {
        final Connection accepted;
        try (Socket raw = handshake())
        {
            accepted = awaitAccept();
            final ByteBuffer frame = frame(TcpFrame.WRITE, 1000, region.key(), 0, 0);
            send(raw, frame);
            raw.getOutputStream().write(new byte[10]);
            raw.getOutputStream().flush();
        }
        final String reason = awaitEnd(accepted);
        assertTrue(reason.startsWith(Status.name(Status.PEER_LOST)) && reason.contains("truncated frame"), reason);
    }

    @Test
    void aSilentPeerIsDeclaredLostAfterThePeerTimeout() throws Exception
    {
        try (Socket raw = handshake())
        {
            final Connection accepted = awaitAccept();
            final long startNs = System.nanoTime();
            final String reason = awaitEnd(accepted);
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            assertTrue(reason.startsWith(Status.name(Status.PEER_LOST)) && reason.contains("no word from the peer"), reason);
            assertTrue(tookMs >= 700 && tookMs < 3_000, "declared lost after " + tookMs + " ms, timeout 800 ms");
        }
    }

    private Socket handshake() throws Exception
    {
        final String address = listener.address();
        final int colon = address.lastIndexOf(':');
        final Socket socket = new Socket();
        socket.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), 5_000);
        socket.setSoTimeout(5_000);
        final DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        final DataInputStream in = new DataInputStream(socket.getInputStream());
        in.readFully(new byte[Handshake.CHALLENGE_BYTES]); // the listener's challenge comes first
        Hello.of("tcp", 1024, List.of(), "", new byte[0]).write(out);
        out.flush();
        assertEquals(1, in.readUnsignedByte(), "listener admitted the request");
        Hello.read(in, "tcp");
        out.writeByte(1);
        out.flush();
        assertEquals(1, in.readUnsignedByte(), "listener confirmed");
        return socket;
    }

    private static ByteBuffer frame(final int type, final int length, final int key, final long offset, final long seq)
    {
        final ByteBuffer frame = ByteBuffer.allocate(TcpFrame.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        TcpFrame.put(frame, 0, type, 0, length, key, 0, offset, seq);
        return frame;
    }

    private static void send(final Socket socket, final ByteBuffer frame) throws Exception
    {
        socket.getOutputStream().write(frame.array());
        socket.getOutputStream().flush();
    }

    private Connection awaitAccept()
    {
        return listener.accept(java.time.Duration.ofSeconds(10));
    }

    private String awaitEnd(final Connection connection)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ended.contains(connection))
        {
            assertTrue(System.nanoTime() < deadline, "connection did not end");
            queue.poll(this::onCompletion, 16);
        }
        return ends.get(ended.indexOf(connection));
    }

    private void onCompletion(final Completion completion)
    {
        if (completion.opcode() == Opcode.DISCONNECTED)
        {
            ended.add(completion.connection());
            final String text = completion.describe();
            ends.add(text.substring(text.indexOf(' ') + 1));
        }
    }
}
