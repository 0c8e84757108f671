package io.fusewire.topology.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both stores behave the same: set, get that waits, add, check, bounded waits. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class StoreTest
{
    @TempDir
    Path directory;
    private StoreServer server;

    @BeforeEach
    void start() throws Exception
    {
        server = new StoreServer("127.0.0.1", 0);
    }

    @AfterEach
    void stop()
    {
        server.close();
    }

    private Store open(final String kind)
    {
        return Stores.open(kind.equals("tcp") ? "tcp://" + server.address() : directory.toUri().toString(), 1, "s", Duration.ofSeconds(5));
    }

    @Test
    void aClientBeyondTheCapIsToldSoAndTheOthersGoOn() throws Exception
    {
        try (StoreServer small = new StoreServer("127.0.0.1", 0, 2, 256);
            Store a = Stores.open("tcp://" + small.address(), 1, "s", Duration.ofSeconds(5));
            Store b = Stores.open("tcp://" + small.address(), 1, "s", Duration.ofSeconds(5)))
        {
            a.set("k", new byte[] {1});
            final RuntimeException refused = assertThrows(RuntimeException.class, () -> Stores.open("tcp://" + small.address(), 1, "s",
                Duration.ofSeconds(5)));
            assertTrue(refused.getMessage().contains("serves 2 clients already"), refused.getMessage());
            assertArrayEquals(new byte[] {1}, b.get("k", Duration.ofSeconds(5)), "the served clients go on");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "file"})
    void setGetAddCheck(final String kind) throws Exception
    {
        try (Store a = open(kind); Store b = open(kind))
        {
            assertFalse(b.check("rank/0"));
            final CompletableFuture<byte[]> waiting = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return b.get("rank/0", Duration.ofSeconds(10));
                }
                catch (final TimeoutException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            Thread.sleep(50);
            a.set("rank/0", "127.0.0.1:4000".getBytes(StandardCharsets.UTF_8));
            assertArrayEquals("127.0.0.1:4000".getBytes(StandardCharsets.UTF_8), waiting.get(10, TimeUnit.SECONDS));
            assertTrue(b.check("rank/0"));
            a.set("rank/0", new byte[0]);
            assertEquals(0, b.get("rank/0", Duration.ZERO).length, "set replaces");
            final List<CompletableFuture<Long>> adds = new ArrayList<>();
            for (int i = 0; i < 8; i++)
            {
                final Store store = i % 2 == 0 ? a : b;
                final CompletableFuture<Long> added = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> added.complete(store.add("arrived", 1)));
                adds.add(added);
            }
            adds.forEach(CompletableFuture::join);
            assertEquals(10, a.add("arrived", 2), "adds are atomic");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "file"})
    void waitsAreBoundedAndNameTheKey(final String kind)
    {
        try (Store store = open(kind))
        {
            final long start = System.nanoTime();
            final TimeoutException ex = assertThrows(TimeoutException.class, () -> store.get("never", Duration.ofMillis(200)));
            assertTrue(ex.getMessage().contains("'never'"), ex.getMessage());
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000);
            assertThrows(IllegalArgumentException.class, () -> store.set("", new byte[1]));
            assertThrows(IllegalArgumentException.class, () -> store.set("big", new byte[Store.MAX_VALUE + 1]));
        }
    }

    @Test
    void theProofBoundIsASettingAndAWrongValueIsRefusedNamingIt() throws Exception
    {
        try
        {
            System.setProperty(StoreServer.AUTH_TIMEOUT_PROP, "1500");
            try (StoreServer slow = new StoreServer("127.0.0.1", 0);
                Socket socket = new Socket("127.0.0.1", Integer.parseInt(slow.address().split(":")[1])))
            {
                socket.setSoTimeout(20_000);
                final DataInputStream in = new DataInputStream(socket.getInputStream());
                assertEquals(StoreProtocol.OK, in.readUnsignedByte());
                in.readFully(new byte[16]);
                final long start = System.nanoTime();
                assertEquals(-1, in.read(), "a silent client is closed at the configured bound");
                final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms >= 1_000 && ms < StoreServer.AUTH_TIMEOUT_MS, ms + " ms");
            }
            for (final String wrong : new String[] {"0", "soon"})
            {
                System.setProperty(StoreServer.AUTH_TIMEOUT_PROP, wrong);
                final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new StoreServer("127.0.0.1", 0));
                assertTrue(ex.getMessage().contains(StoreServer.AUTH_TIMEOUT_PROP + "=" + wrong), ex.getMessage());
            }
        }
        finally
        {
            System.clearProperty(StoreServer.AUTH_TIMEOUT_PROP);
        }
    }

    @Test
    void aClientThatNeverProvesItsSecretIsDroppedWithinTheBoundAndCounted() throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(server.address().split(":")[1])))
        {
            socket.setSoTimeout(StoreServer.AUTH_TIMEOUT_MS + 10_000);
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            assertEquals(StoreProtocol.OK, in.readUnsignedByte());
            in.readFully(new byte[16]);
            // 39 of the 40 bytes of a proof, one every 200 ms (7.8 s): a per-read timeout would never fire; the bound must
            final long start = System.nanoTime();
            final Thread trickle = Thread.ofVirtual().start(() ->
            {
                try
                {
                    final OutputStream out = socket.getOutputStream();
                    for (int i = 0; i < 39; i++)
                    {
                        out.write(i);
                        out.flush();
                        Thread.sleep(200);
                    }
                }
                catch (final IOException | InterruptedException ex)
                {
                    // cut off, as it should be
                }
            });
            assertEquals(-1, in.read(), "connection closed");
            final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= StoreServer.AUTH_TIMEOUT_MS - 500 && ms < StoreServer.AUTH_TIMEOUT_MS + 1_500, ms + " ms");
            trickle.join();
        }
        assertEquals(1, server.refusedClients());
        try (Store store = open("tcp"))
        {
            store.set("still", new byte[] {1});
            assertTrue(store.check("still"), "the others go on");
        }
        assertThrows(IllegalArgumentException.class, () -> Stores.open("http://x", 1, "s", Duration.ofSeconds(1)));
    }

    @Test
    void aWrongSecretIsRefusedSayingSoAndCounted() throws Exception
    {
        try (Store first = Stores.open("tcp://" + server.address(), 7, "right", Duration.ofSeconds(5)))
        {
            first.set("rank/0", new byte[] {1});
            final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Stores.open("tcp://" + server.address(), 7,
                "wrong", Duration.ofSeconds(5)));
            assertTrue(refused.getMessage().contains("wrong secret for job 7"), refused.getMessage());
            assertEquals(1, server.refusedClients());
            try (Store second = Stores.open("tcp://" + server.address(), 7, "right", Duration.ofSeconds(5)))
            {
                assertArrayEquals(new byte[] {1}, second.get("rank/0", Duration.ZERO), "the same secret sees the job's keys");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "file"})
    void eachJobSeesOnlyItsOwnKeys(final String kind) throws Exception
    {
        final String address = kind.equals("tcp") ? "tcp://" + server.address() : directory.toUri().toString();
        try (Store one = Stores.open(address, 1, "s", Duration.ofSeconds(5)); Store two = Stores.open(address, 2, "t", Duration.ofSeconds(5)))
        {
            one.set("rank/0", new byte[] {1});
            assertFalse(two.check("rank/0"));
            two.set("rank/0", new byte[] {2});
            assertArrayEquals(new byte[] {1}, one.get("rank/0", Duration.ZERO));
            assertEquals(5, two.add("arrived", 5));
            assertEquals(1, one.add("arrived", 1));
        }
    }

    @Test
    void clientsFromOneAddressAreCapped() throws Exception
    {
        try (StoreServer small = new StoreServer("127.0.0.1", 0, 16, 1);
            Store a = Stores.open("tcp://" + small.address(), 1, "s", Duration.ofSeconds(5)))
        {
            final RuntimeException refused = assertThrows(RuntimeException.class, () -> Stores.open("tcp://" + small.address(), 1, "s",
                Duration.ofSeconds(5)));
            assertTrue(refused.getMessage().contains("serves 1 clients from 127.0.0.1 already"), refused.getMessage());
            assertEquals(1, small.refusedClients());
            a.set("k", new byte[] {1});
        }
    }
}
