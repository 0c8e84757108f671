package io.fusewire.topology.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.fusewire.topology.Hmac;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever an authenticated client sends, the store answers it, refuses it or drops that client,
 * and goes on serving the others: after each try a well-behaved client of another job still sets
 * and gets.
 */
final class StoreProtocolPropertiesTest
{
    private static StoreServer server;

    @BeforeContainer
    static void start() throws IOException
    {
        server = new StoreServer("127.0.0.1", 0);
    }

    @AfterContainer
    static void stop()
    {
        server.close();
    }

    @Property(tries = 100)
    void anyRequestBytesLeaveTheStoreServingOthers(@ForAll final byte[] request) throws IOException, TimeoutException
    {
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(server.address().split(":")[1])))
        {
            socket.setSoTimeout(2_000);
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            in.readUnsignedByte();
            final byte[] challenge = new byte[Hmac.CHALLENGE_BYTES];
            in.readFully(challenge);
            final byte[] verifier = StoreProtocol.verifier(5, "fuzz");
            out.writeLong(5);
            out.write(Hmac.of(verifier, challenge));
            out.flush();
            if (in.readUnsignedByte() == StoreProtocol.UNKNOWN_JOB)
            {
                out.write(verifier);
                out.flush();
                in.readUnsignedByte();
            }
            out.write(request);
            out.flush();
            socket.setSoTimeout(50);
            in.read();
        }
        catch (final SocketTimeoutException ex)
        {
            // still waiting for the rest of a request, or for a key: that client's own business
        }
        try (Store other = Stores.open("tcp://" + server.address(), 6, "other", Duration.ofSeconds(5)))
        {
            other.set("k", new byte[] {1});
            assertArrayEquals(new byte[] {1}, other.get("k", Duration.ofSeconds(1)));
        }
    }
}
