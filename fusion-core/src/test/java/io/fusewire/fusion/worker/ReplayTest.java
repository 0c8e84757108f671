package io.fusewire.fusion.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.protocol.ChunkImmediate;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportContext;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker resends after a failover: staged out of order, sent in stream order from where the workers agreed. */
final class ReplayTest
{
    private static final int CHUNK = 4096;

    @TempDir
    Path directory;

    @Test
    void itemsGoInStreamOrderFromTheAgreedPositionEachWithItsOwnBytes()
    {
        try (Fabric fabric = Fabric.open("shm", new TransportContext().shmDirectory(directory)))
        {
            final MemoryRegion staging = fabric.openDefaultDevice().allocate(4L * CHUNK);
            final Replay replay = new Replay(staging, 4, CHUNK);
            // slot 1 held the result of position 9 and has position 11 in flight; slot 0 held 8's result and has 10 in flight
            assertTrue(replay.stage(11, bytes(11), 0, 64, 0x11, 5, 3));
            assertTrue(replay.stage(9, bytes(9), 0, 64, 0x09 | ChunkImmediate.FINAL, -1, 2));
            assertTrue(replay.stage(10, bytes(10), 0, 32, 0x10, 4, 3));
            assertTrue(replay.stage(8, bytes(8), 0, 64, 0x08 | ChunkImmediate.FINAL, -1, 2));
            assertFalse(replay.stage(12, bytes(12), 0, 64, 0, 6, 3), "two windows at most");

            assertNull(replay.resumeAt(9, 12), "8 is a result every worker has: skipped");
            assertEquals(1, replay.finalsLeft());
            assertTrue(replay.includes(3) && replay.includes(2));
            final long[] order = new long[3];
            for (int i = 0; i < 3; i++)
            {
                assertTrue(replay.hasNext());
                order[i] = staging.segment().get(ValueLayout.JAVA_LONG, replay.offset());
                assertEquals(order[i] == 10 ? 32 : 64, replay.length());
                assertEquals(order[i] == 9, replay.isFinal());
                assertEquals(order[i] == 9 ? -1 : order[i] - 6, replay.chunk());
                replay.advance();
            }
            assertEquals(9, order[0]);
            assertEquals(10, order[1]);
            assertEquals(11, order[2]);
            assertFalse(replay.hasNext());
            assertEquals(3, replay.lastSequence());
        }
    }

    @Test
    void aPositionNeitherHeldNorStagedIsNamed()
    {
        try (Fabric fabric = Fabric.open("shm", new TransportContext().shmDirectory(directory)))
        {
            final Replay replay = new Replay(fabric.openDefaultDevice().allocate(4L * CHUNK), 4, CHUNK);
            replay.stage(5, bytes(5), 0, 64, ChunkImmediate.FINAL, -1, 1);
            replay.stage(7, bytes(7), 0, 64, 0, 2, 2);
            assertEquals("position 6 of the failed aggregator's stream is neither held nor staged here", replay.resumeAt(5, 8));
            assertEquals("positions 8..8 of the failed aggregator's stream are neither held nor staged here", replay.resumeAt(7, 9));
        }
    }

    /** @return 64 bytes starting with the position, so each item's staged copy can be told apart. */
    private static MemorySegment bytes(final long position)
    {
        final MemorySegment segment = Arena.ofAuto().allocate(64);
        segment.set(ValueLayout.JAVA_LONG, 0, position);
        return segment;
    }
}
