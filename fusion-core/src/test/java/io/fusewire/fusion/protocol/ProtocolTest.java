package io.fusewire.fusion.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The wire encodings: immediates, join requests, control messages, slot offsets. */
final class ProtocolTest
{
    @Test
    void immediatesRoundTripEveryField()
    {
        final int immediate = ChunkImmediate.encode(4095, 2048 + 17, 3, 2);
        assertEquals(4095, ChunkImmediate.slot(immediate));
        assertEquals(17, ChunkImmediate.generation(immediate), "generations wrap at 2048");
        assertFalse(ChunkImmediate.isFinal(immediate), "a wrapped generation does not spill into the final flag");
        final int result = immediate | ChunkImmediate.FINAL;
        assertTrue(ChunkImmediate.isFinal(result));
        assertEquals(17, ChunkImmediate.generation(result));
        assertEquals(3, ChunkImmediate.dtype(result));
        assertEquals(3, ChunkImmediate.dtype(immediate));
        assertEquals(2, ChunkImmediate.op(immediate));
        final int prefix = ChunkImmediate.encode(0, 0, 0, 7 | ChunkImmediate.PREFIX);
        assertEquals(7, ChunkImmediate.op(prefix), "the operator survives the sign bit");
        assertTrue(ChunkImmediate.isPrefix(prefix));
        assertFalse(ChunkImmediate.isPrefix(immediate));
    }

    @Test
    void joinRequestsRoundTripProveTheKeyWithoutTheSecretAndSayWhatIsWrong()
    {
        final JoinRequest join = new JoinRequest(77, 2, 4, 1, 3, 65536, 16);
        final byte[] challenge = "sixteen bytes!!!".getBytes(StandardCharsets.US_ASCII);
        final byte[] key = JoinRequest.key(77, "sécret");
        final JoinRequest.Signed plain = JoinRequest.decode(join.encode(challenge, key, false));
        assertEquals(join, plain.join());
        assertNull(plain.key(), "the key is sent only when asked for");
        assertTrue(plain.provedWith(key, challenge));
        assertFalse(plain.provedWith(JoinRequest.key(77, "guess"), challenge), "another secret");
        assertFalse(plain.provedWith(key, "another challenge".getBytes(StandardCharsets.US_ASCII)), "a replayed proof");
        assertFalse(plain.provedWith(JoinRequest.key(78, "sécret"), challenge), "the same secret, another job");
        assertArrayEquals(key, JoinRequest.decode(join.encode(challenge, key, true)).key());
        final byte[] bytes = join.encode(challenge, key, true);
        assertFalse(new String(bytes, StandardCharsets.UTF_8).contains("sécret"), "the secret never travels");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new JoinRequest(1, 4, 4, 0, 1, 65536, 16))
            .getMessage().contains("rank 4 outside 0..3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new JoinRequest(1, 0, 4, 0, 1, 1000, 16))
            .getMessage().contains("chunk of 1000 bytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JoinRequest.decode(new byte[] {1, 2, 3}))
            .getMessage().contains("not a Fusewire join request"));
        final JoinRequest other = new JoinRequest(77, 0, 4, 1, 3, 32768, 16);
        final String difference = join.layoutDifference(other);
        assertTrue(difference.contains("rank 2") && difference.contains("rank 0") && difference.contains("32768"), difference);
        assertNull(join.layoutDifference(new JoinRequest(77, 0, 4, 2, 3, 65536, 16)));
    }

    @Test
    void controlMessagesRoundTrip()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        assertEquals(ControlMessages.BEGIN_LENGTH, ControlMessages.putBegin(buffer, 1, 3, 42, 1L << 33));
        assertEquals(ControlMessages.BEGIN, ControlMessages.type(buffer));
        assertEquals(42, ControlMessages.beginSequence(buffer));
        assertEquals(1L << 33, ControlMessages.beginCount(buffer));
        assertEquals(3, ControlMessages.beginOp(buffer));
        final int length = ControlMessages.putError(buffer, 20, "a reason longer than twenty bytes");
        assertEquals(20, length, "cut to fit");
        assertEquals("a reason longer ", ControlMessages.errorReason(new UnsafeBuffer(buffer, 0, length)));
    }

    @Test
    void slotOffsetsTileTheRegionsWithoutOverlap()
    {
        final SlotLayout layout = new SlotLayout(3, 2, 4, 4096);
        assertEquals(3L * 4 * 4096, layout.inboxBytes());
        assertEquals(0, layout.inboxOffset(0, 0));
        assertEquals(4096, layout.inboxOffset(0, 1));
        assertEquals(3 * 4096, layout.inboxOffset(1, 0));
        assertEquals(layout.inboxBytes() - 4096, layout.inboxOffset(3, 2));
        assertEquals(2L * 4 * 4096, layout.windowBytes());
        assertEquals(4 * 4096 + 4096, layout.windowOffset(1, 1));
        assertEquals(layout.resultAreaBytes() - 8, layout.resultLengthOffset(3), "the lengths follow the last slot's result");
        assertEquals(4L * 4096, layout.resultLengthOffset(0));
    }
}
