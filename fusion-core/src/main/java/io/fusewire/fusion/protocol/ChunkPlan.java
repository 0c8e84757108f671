package io.fusewire.fusion.protocol;

/**
 * How a collective is cut into chunks, computed alike by every worker from its size: into at least
 * {@link #MIN_CHUNKS} chunks, so that copying one overlaps summing another even for small
 * collectives, but none under {@link #FLOOR_BYTES} (below that a chunk costs more in per-chunk work
 * than it saves) and none over the job's slot size. Chunk lengths are whole cache lines, so whole
 * elements of every type; only the last chunk may be shorter.
 */
public final class ChunkPlan
{
    /** Chunks a collective is cut into at least, where the floor allows. */
    public static final int MIN_CHUNKS = 4;
    /** The smallest chunk worth its own slot. */
    public static final int FLOOR_BYTES = 8 * 1024;
    private static final int LINE = 64;

    private ChunkPlan()
    {
    }

    /**
     * @param bytes      the collective's size.
     * @param slotBytes  the job's chunk size C (a slot's capacity).
     * @return the length of every chunk but the last.
     */
    public static int chunkBytes(final long bytes, final int slotBytes)
    {
        final long quarter = (bytes / MIN_CHUNKS + LINE - 1) / LINE * LINE;
        return (int)Math.min(slotBytes, Math.max(Math.min(FLOOR_BYTES, slotBytes), quarter));
    }
}
