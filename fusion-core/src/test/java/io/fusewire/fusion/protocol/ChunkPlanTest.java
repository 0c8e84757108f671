package io.fusewire.fusion.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class ChunkPlanTest
{
    private static final int SLOT = 256 * 1024;

    @Test
    void smallCollectivesAreCutInFourDownToTheFloorAndLargeOnesFillTheSlots()
    {
        assertEquals(8 * 1024, ChunkPlan.chunkBytes(32 * 1024, SLOT), "32 KiB: four chunks of 8 KiB");
        assertEquals(32 * 1024, ChunkPlan.chunkBytes(128 * 1024, SLOT), "128 KiB: four of 32 KiB");
        assertEquals(SLOT, ChunkPlan.chunkBytes(1 << 20, SLOT), "1 MiB: four full slots");
        assertEquals(SLOT, ChunkPlan.chunkBytes(64L << 20, SLOT), "never beyond a slot");
        assertEquals(ChunkPlan.FLOOR_BYTES, ChunkPlan.chunkBytes(12 * 1024, SLOT), "12 KiB: the floor, so two chunks");
        assertEquals(ChunkPlan.FLOOR_BYTES, ChunkPlan.chunkBytes(4, SLOT), "one element: one chunk");
        assertEquals(4096, ChunkPlan.chunkBytes(1 << 20, 4096), "a slot under the floor bounds the chunk");
    }

    @Test
    void everyChunkButTheLastIsWholeCacheLinesSoWholeElementsOfEveryType()
    {
        for (long bytes = 2; bytes < 3 << 20; bytes = bytes * 3 + 2)
        {
            final int chunk = ChunkPlan.chunkBytes(bytes, SLOT);
            assertEquals(0, chunk % 64, bytes + " bytes cut into chunks of " + chunk);
            assertTrue(chunk >= ChunkPlan.FLOOR_BYTES && chunk <= SLOT, bytes + " bytes cut into chunks of " + chunk);
        }
    }
}
