package io.fusewire.transport;

import static io.fusewire.transport.Endpoint.pollUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every provider must have. A provider's test extends this and names itself; the
 * verbs provider joins where a device exists.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class FabricContractTest
{
    /** Stretches every timeout, for slow hosts such as the soft-RoCE guest under emulation (there: 10). */
    static final int SLOWDOWN = Integer.getInteger("fusewire.test.slowdown", 1);
    static final Duration WAIT = Duration.ofSeconds(20L * SLOWDOWN);
    static final long REGION = 32L << 20;
    static final int DEPTH = 512;

    Fabric fabric;
    Endpoint server;
    Endpoint client;
    Listener listener;
    Connection toServer;
    Connection toClient;

    abstract String provider();

    /** @return whether the provider maps a peer's memory into this process ({@link Connection#mapped}). */
    boolean mapsPeerMemory()
    {
        return false;
    }

    static TransportContext testContext()
    {
        return new TransportContext()
            .sendQueueDepth(DEPTH)
            .peerTimeoutMs(1_500L * SLOWDOWN)
            .heartbeatIntervalMs(100L * SLOWDOWN)
            .connectTimeoutMs(5_000L * SLOWDOWN)
            .verifySources(true);
    }

    /** Skips each test with the reason where this host cannot run the provider; shm and tcp always can. */
    void assumeProviderHere()
    {
    }

    @BeforeEach
    void connect()
    {
        assumeProviderHere();
        fabric = Fabric.open(provider(), testContext());
        server = new Endpoint(fabric, REGION);
        client = new Endpoint(fabric, REGION);
        listener = server.device.listen("127.0.0.1:0", List.of(server.region), server.queue);
        toServer = client.device.connect(listener.address(), List.of(client.region), client.queue);
        toClient = listener.accept(WAIT);
    }

    @AfterEach
    void close()
    {
        if (fabric == null)
        {
            return; // skipped before connecting
        }
        fabric.close();
    }

    @Test
    void writesFromOneByteTo16MiBLandByteExactAtTheirOffsets()
    {
        fillRandom(client.region.segment(), 7);
        final RemoteRegion remote = toServer.remoteRegions().getFirst();
        final long[][] cases = {{1, 0, 0}, {7, 3, 13}, {4096, 4096, 4096}, {65_537, 11, 100_003},
            {1 << 20, 1 << 20, 3 << 20}, {16 << 20, 5, (16 << 20) - 3}};
        for (int i = 0; i < cases.length; i++)
        {
            final int length = (int)cases[i][0];
            final long from = cases[i][1];
            final long to = cases[i][2];
            server.region.segment().fill((byte)0);
            server.seen.clear();
            client.seen.clear();
            assertEquals(PostResult.OK, toServer.write(client.region, from, length, remote, to, 1000 + i, i));
            pollUntil(WAIT, () -> client.count(s -> s.opcode() == Opcode.WRITE) == 1
                && server.count(s -> s.opcode() == Opcode.WRITE_IMM) == 1, client, server);
            final Seen done = client.all(Opcode.WRITE).getFirst();
            assertEquals(Status.SUCCESS, done.status(), done::text);
            assertEquals(i, done.wrId());
            final Seen arrived = server.all(Opcode.WRITE_IMM).getFirst();
            assertEquals(1000 + i, arrived.immediate());
            assertEquals(length, arrived.length());
            assertEquals(toClient, arrived.connection());
            assertEquals(-1, MemorySegment.mismatch(client.region.segment(), from, from + length,
                server.region.segment(), to, to + length), "bytes differ for a write of " + length);
            if (to > 0)
            {
                assertEquals(0, server.region.segment().get(ValueLayout.JAVA_BYTE, to - 1), "byte before was touched");
            }
            if (to + length < REGION)
            {
                assertEquals(0, server.region.segment().get(ValueLayout.JAVA_BYTE, to + length), "byte after was touched");
            }
        }
    }

    @Test
    void aPeersRegionIsReadWhereItLiesOnlyWhereTheProviderMapsIt()
    {
        final RemoteRegion remote = toServer.remoteRegions().getFirst();
        final MemorySegment view = toServer.mapped(remote);
        if (!mapsPeerMemory())
        {
            assertEquals(null, view, provider() + " reaches a peer's memory only through writes");
            return;
        }
        assertEquals(remote.length(), view.byteSize());
        assertTrue(view.isReadOnly(), "a peer's memory is read, never written, through the mapping");
        server.region.segment().set(ValueLayout.JAVA_LONG, 4096, 0x5eedL);
        assertEquals(0x5eedL, view.get(ValueLayout.JAVA_LONG, 4096), "the mapping shows what the peer wrote into its own region");
        assertEquals(null, toServer.mapped(new RemoteRegion(remote.key() + 1, 0, 1)), "a region the peer never exposed");
    }

    @Test
    void immediatesArriveInOrderPerConnection()
    {
        final RemoteRegion remote = toServer.remoteRegions().getFirst();
        final int writes = 2_000;
        for (int i = 0; i < writes; i++)
        {
            final int offset = (i % 1024) * 64;
            final int imm = i;
            while (toServer.write(client.region, offset, 64, remote, offset, imm, i) == PostResult.BACK_PRESSURED)
            {
                client.poll();
                server.poll();
            }
        }
        pollUntil(WAIT, () -> server.count(s -> s.opcode() == Opcode.WRITE_IMM) == writes
            && client.count(s -> s.opcode() == Opcode.WRITE) == writes, client, server);
        final List<Seen> arrived = server.all(Opcode.WRITE_IMM);
        final List<Seen> done = client.all(Opcode.WRITE);
        for (int i = 0; i < writes; i++)
        {
            assertEquals(i, arrived.get(i).immediate(), "immediate out of order at " + i);
            assertEquals(i, done.get(i).wrId(), "completion out of order at " + i);
        }
    }

    @Test
    void hundredsOfWritesInFlightAndBackPressureReportedNotBlockedOn()
    {
        fillRandom(client.region.segment(), 3);
        final RemoteRegion remote = toServer.remoteRegions().getFirst();
        int posted = 0;
        int result;
        while ((result = toServer.write(client.region, posted * 4096L, 4096, remote, posted * 4096L, posted, posted))
            == PostResult.OK)
        {
            posted++;
            assertTrue(posted <= DEPTH, "posted more than the send queue holds without back pressure");
        }
        assertEquals(PostResult.BACK_PRESSURED, result);
        assertEquals(DEPTH, posted, "back pressure came before the send queue was full");
        final int total = posted;
        pollUntil(WAIT, () -> client.count(s -> s.opcode() == Opcode.WRITE) == total
            && server.count(s -> s.opcode() == Opcode.WRITE_IMM) == total, client, server);
        assertEquals(total, client.count(s -> s.opcode() == Opcode.WRITE && s.status() == Status.SUCCESS));
        assertEquals(-1, MemorySegment.mismatch(client.region.segment(), 0, total * 4096L,
            server.region.segment(), 0, total * 4096L));
        assertEquals(PostResult.OK, toServer.write(client.region, 0, 4096, remote, 0, 0, 0), "posting after the drain");
    }

    @Test
    void controlMessagesArriveWholeAndInOrder()
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[toServer.maxMessageLength()]);
        final List<byte[]> sent = new ArrayList<>();
        final Random random = new Random(11);
        for (int i = 0; i < 100; i++)
        {
            final byte[] bytes = new byte[1 + random.nextInt(toServer.maxMessageLength())];
            random.nextBytes(bytes);
            message.putBytes(0, bytes);
            while (toServer.send(message, 0, bytes.length, i) == PostResult.BACK_PRESSURED)
            {
                client.poll();
                server.poll();
            }
            sent.add(bytes);
        }
        assertEquals(PostResult.INVALID_ARGUMENT, toServer.send(new UnsafeBuffer(new byte[toServer.maxMessageLength() + 1]), 0,
            toServer.maxMessageLength() + 1, 0));
        message.putStringWithoutLengthAscii(0, "pong");
        assertEquals(PostResult.OK, toClient.send(message, 0, 4, 7));
        pollUntil(WAIT, () -> server.count(s -> s.opcode() == Opcode.RECV) == 100
            && client.count(s -> s.opcode() == Opcode.RECV) == 1, client, server);
        final List<Seen> received = server.all(Opcode.RECV);
        for (int i = 0; i < sent.size(); i++)
        {
            assertArrayEquals(sent.get(i), received.get(i).message(), "message " + i);
        }
        assertEquals("pong", new String(client.all(Opcode.RECV).getFirst().message(), StandardCharsets.US_ASCII));
    }

    @Test
    void severalConnectionsAtOnce()
    {
        final List<Endpoint> clients = new ArrayList<>();
        final List<Connection> connections = new ArrayList<>();
        for (int c = 0; c < 3; c++)
        {
            final Endpoint extra = new Endpoint(fabric, 1 << 20);
            extra.region.segment().fill((byte)(c + 1));
            clients.add(extra);
            connections.add(extra.device.connect(listener.address(), List.of(extra.region), extra.queue));
        }
        for (int c = 0; c < 3; c++)
        {
            assertTrue(listener.accept(WAIT).isConnected());
        }
        for (int c = 0; c < 3; c++)
        {
            final RemoteRegion remote = connections.get(c).remoteRegions().getFirst();
            assertEquals(PostResult.OK, connections.get(c).write(clients.get(c).region, 0, 1 << 20, remote, (long)c << 20, c, c));
        }
        final Endpoint[] all = {server, clients.get(0), clients.get(1), clients.get(2)};
        pollUntil(WAIT, () -> server.count(s -> s.opcode() == Opcode.WRITE_IMM) == 3, all);
        final List<Seen> arrived = server.all(Opcode.WRITE_IMM);
        assertEquals(3, arrived.stream().map(Seen::connection).distinct().count(), "three connections");
        assertEquals(3, arrived.stream().map(Seen::immediate).distinct().count());
        for (int c = 0; c < 3; c++)
        {
            final long at = (long)c << 20;
            assertEquals(c + 1, server.region.segment().get(ValueLayout.JAVA_BYTE, at));
            assertEquals(c + 1, server.region.segment().get(ValueLayout.JAVA_BYTE, at + (1 << 20) - 1));
        }
        clients.forEach(Endpoint::close);
    }

    @Test
    void cleanCloseIsSeenByThePeer()
    {
        toServer.close();
        assertEquals(PostResult.NOT_CONNECTED, toServer.write(client.region, 0, 1, server.region.descriptor(), 0, 0, 0));
        pollUntil(WAIT, () -> server.count(s -> s.opcode() == Opcode.DISCONNECTED) == 1, server);
        final Seen end = server.all(Opcode.DISCONNECTED).getFirst();
        assertEquals(Status.SUCCESS, end.status());
        assertEquals(toClient, end.connection());
        assertEquals(PostResult.NOT_CONNECTED, toClient.write(server.region, 0, 1, client.region.descriptor(), 0, 0, 0));
    }

    @Test
    void writesPostedBeforeACloseArriveBeforeTheDisconnect()
    {
        fillRandom(client.region.segment(), 5);
        final RemoteRegion remote = toServer.remoteRegions().getFirst();
        for (int i = 0; i < 50; i++)
        {
            assertEquals(PostResult.OK, toServer.write(client.region, (long)i << 16, 1 << 16, remote, (long)i << 16, i, i));
        }
        toServer.close();
        pollUntil(WAIT, () -> server.count(s -> s.opcode() == Opcode.DISCONNECTED) == 1, server);
        final List<Seen> arrived = server.all(Opcode.WRITE_IMM);
        assertEquals(50, arrived.size(), "every write posted before close() arrived");
        assertEquals(Opcode.DISCONNECTED, server.seen.getLast().opcode(), "and before the disconnect");
        assertEquals(Status.SUCCESS, server.seen.getLast().status());
        assertEquals(-1, MemorySegment.mismatch(client.region.segment(), 0, 50L << 16, server.region.segment(), 0, 50L << 16));
    }

    @Test
    void writesToAWrongRegionAreRefusedWithAnErrorNamingRegionOffsetAndLength()
    {
        final RemoteRegion remote = toServer.remoteRegions().getFirst();
        final RemoteRegion forged = new RemoteRegion(remote.key() ^ 0x5a5a, remote.address(), remote.length());
        assertEquals(PostResult.OK, toServer.write(client.region, 0, 100, forged, 64, 1, 1));
        assertEquals(PostResult.OK, toServer.write(client.region, 0, 100, remote, REGION - 10, 2, 2));
        assertEquals(PostResult.OK, toServer.write(client.region, 0, 100, remote, -1, 3, 3));
        assertEquals(PostResult.OK, toServer.write(client.region, 0, 100, remote, 200, 4, 4));
        pollUntil(WAIT, () -> client.count(s -> s.opcode() == Opcode.WRITE) == 4
            && server.count(s -> s.opcode() == Opcode.WRITE_IMM) == 1, client, server);
        final List<Seen> done = client.all(Opcode.WRITE);
        assertEquals(Status.REMOTE_ACCESS_ERROR, done.get(0).status());
        assertTrue(done.get(0).text().contains("0x" + Integer.toHexString(forged.key())), done.get(0).text());
        assertTrue(done.get(0).text().contains("offset 64") && done.get(0).text().contains("100 bytes"), done.get(0).text());
        assertEquals(Status.REMOTE_ACCESS_ERROR, done.get(1).status());
        assertTrue(done.get(1).text().contains("offset " + (REGION - 10)) && done.get(1).text().contains(REGION + " bytes"),
            done.get(1).text());
        assertEquals(Status.REMOTE_ACCESS_ERROR, done.get(2).status());
        assertEquals(Status.SUCCESS, done.get(3).status(), "the connection keeps working after a refusal");
        assertEquals(4, server.all(Opcode.WRITE_IMM).getFirst().immediate(), "only the good write arrived");
        assertTrue(toServer.isConnected());
    }

    @Test
    void aSourceChangedBeforeItsWriteCompletedFailsThatWriteUnderVerifySources()
    {
        fillRandom(client.region.segment(), 11);
        final RemoteRegion remote = toServer.remoteRegions().getFirst();
        final int length = 4 << 20;
        assertEquals(PostResult.OK, toServer.write(client.region, 0, length, remote, 0, 1, 1));
        client.region.segment().set(ValueLayout.JAVA_BYTE, length - 3, (byte)~client.region.segment().get(ValueLayout.JAVA_BYTE, length - 3));
        assertEquals(PostResult.OK, toServer.write(client.region, length, length, remote, length, 2, 2));
        pollUntil(WAIT, () -> client.count(s -> s.opcode() == Opcode.WRITE) == 2, client, server);
        final List<Seen> done = client.all(Opcode.WRITE);
        assertEquals(Status.SOURCE_CHANGED, done.get(0).status(), done.get(0)::text);
        assertTrue(done.get(0).text().contains(TransportContext.VERIFY_SOURCES_PROP), done.get(0).text());
        assertEquals(Status.SUCCESS, done.get(1).status(), "a write whose source was left alone completes: " + done.get(1).text());
    }

    @Test
    void badLocalArgumentsAreReturnCodes()
    {
        final RemoteRegion remote = toServer.remoteRegions().getFirst();
        assertEquals(PostResult.INVALID_ARGUMENT, toServer.write(client.region, REGION - 1, 2, remote, 0, 0, 0));
        assertEquals(PostResult.INVALID_ARGUMENT, toServer.write(client.region, -1, 2, remote, 0, 0, 0));
        assertEquals(PostResult.INVALID_ARGUMENT, toServer.write(client.region, 0, -2, remote, 0, 0, 0));
        assertEquals(0, client.poll(), "no completion for a post that was refused locally");
    }

    @Test
    void garbageOnTheListenerPortIsDroppedAndTheListenerKeepsServing() throws Exception
    {
        try (Socket socket = new Socket())
        {
            socket.connect(toInet(listener.address()), 5_000);
            final OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.setSoTimeout(5_000);
            final int first = socket.getInputStream().read();
            assertNotEquals(1, first, "garbage must not be accepted");
        }
        final Endpoint another = new Endpoint(fabric, 4096);
        final Connection connection = another.device.connect(listener.address(), List.of(another.region), another.queue);
        assertTrue(connection.isConnected());
        assertTrue(listener.accept(WAIT).isConnected(), "the listener still accepts");
        assertEquals(PostResult.OK, toServer.write(client.region, 0, 64, toServer.remoteRegions().getFirst(), 0, 77, 77));
        pollUntil(WAIT, () -> server.count(s -> s.opcode() == Opcode.WRITE_IMM && s.immediate() == 77) == 1, client, server);
        another.close();
    }

    @Test
    void admissionSeesPrivateDataMadeFromItsOwnFreshChallengeAndItsRefusalReachesTheConnector()
    {
        final byte[] secret = "open sesame".getBytes(StandardCharsets.US_ASCII);
        final List<byte[]> challenges = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Listener guarded = server.device.listen("127.0.0.1:0", (peer, challenge, data) ->
        {
            challenges.add(challenge);
            // the connector answers with the challenge it was sent, then what it knows
            if (!java.util.Arrays.equals(concat(challenge, secret), data))
            {
                throw new TransportException("wrong secret for job 7");
            }
            return List.of(server.region);
        }, server.queue);
        final Endpoint other = new Endpoint(fabric, 4096);
        final TransportException refused = assertThrows(TransportException.class, () -> other.device.connect(
            guarded.address(), List.of(other.region), other.queue, challenge -> concat(challenge, "guess".getBytes(StandardCharsets.US_ASCII))));
        assertTrue(refused.getMessage().contains("wrong secret for job 7"), refused.getMessage());
        final Connection admitted = other.device.connect(guarded.address(), List.of(other.region), other.queue,
            challenge -> concat(challenge, secret));
        final Connection accepted = guarded.accept(WAIT);
        assertArrayEquals(concat(challenges.getLast(), secret), accepted.peerData());
        assertEquals(server.region.key(), admitted.remoteRegions().getFirst().key());
        assertEquals(2, challenges.size());
        assertEquals(16, challenges.getFirst().length);
        assertFalse(java.util.Arrays.equals(challenges.getFirst(), challenges.getLast()), "a fresh challenge for each request");
        other.close();
    }

    private static byte[] concat(final byte[] first, final byte[] second)
    {
        final byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Test
    void callerOwnedMemoryIsRegisteredWrittenInPlaceAndLeftAliveByItsClose()
    {
        assumeFalse(provider().equals("shm"), "shm registers only memory it allocated; ShmContractTest checks the refusal");
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment mine = arena.allocate(1 << 20, 4096);
            final MemoryRegion registered = server.device.register(mine);
            final Listener exposing = server.device.listen("127.0.0.1:0", List.of(registered), server.queue);
            final Connection toMine = client.device.connect(exposing.address(), List.of(client.region), client.queue);
            final Connection accepted = exposing.accept(WAIT);
            fillRandom(client.region.segment(), 11);
            assertEquals(PostResult.OK, toMine.write(client.region, 100, 65_536, toMine.remoteRegions().getFirst(), 4_096, 5, 5));
            pollUntil(WAIT, () -> server.count(s -> s.opcode() == Opcode.WRITE_IMM && s.immediate() == 5) == 1, client, server);
            assertEquals(-1, MemorySegment.mismatch(client.region.segment(), 100, 100 + 65_536, mine, 4_096, 4_096 + 65_536));
            toMine.close();
            accepted.close();
            exposing.close();
            registered.close();
            assertEquals(client.region.segment().get(ValueLayout.JAVA_BYTE, 100), mine.get(ValueLayout.JAVA_BYTE, 4_096),
                "the caller's memory must outlive its region");
        }
    }

    @Test
    void aPeerKilledMidTransferFailsItsConnectionInBoundedTimeAndNoOther() throws Exception
    {
        final Process peer = PeerProcess.start(provider(), listener.address());
        try
        {
            final Connection[] victim = new Connection[1];
            pollUntil(WAIT, () -> victim[0] != null || (victim[0] = listener.accept()) != null, server, client);
            pollUntil(WAIT, () -> server.count(s -> s.connection() == victim[0] && s.opcode() == Opcode.WRITE_IMM) > 10,
                server, client);
            peer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            final long killedNs = System.nanoTime();
            pollUntil(WAIT, () -> server.count(s -> s.connection() == victim[0] && s.opcode() == Opcode.DISCONNECTED) == 1,
                server, client);
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
            final Seen end = server.seen.stream()
                .filter(s -> s.connection() == victim[0] && s.opcode() == Opcode.DISCONNECTED).findFirst().orElseThrow();
            assertEquals(Status.PEER_LOST, end.status(), end::text);
            assertTrue(tookMs < 2 * testContext().peerTimeoutMs() + 1_000, "detected after " + tookMs + " ms");

            client.seen.clear();
            assertEquals(PostResult.OK, toServer.write(client.region, 0, 4096, toServer.remoteRegions().getFirst(), 0, 9, 9));
            pollUntil(WAIT, () -> client.count(s -> s.opcode() == Opcode.WRITE && s.status() == Status.SUCCESS) == 1,
                server, client);
        }
        finally
        {
            peer.destroyForcibly();
        }
    }

    static InetSocketAddress toInet(final String hostPort)
    {
        final int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    static void fillRandom(final MemorySegment segment, final long seed)
    {
        final Random random = new Random(seed);
        for (long i = 0; i < segment.byteSize(); i += 8)
        {
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
    }
}
