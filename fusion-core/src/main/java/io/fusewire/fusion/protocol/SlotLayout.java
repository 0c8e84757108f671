package io.fusewire.fusion.protocol;

/**
 * Where chunks and results live, computed alike by workers and aggregators from the job's layout
 * (N workers, A aggregators, W slots, C-byte chunks).
 *
 * <pre>
 *   on each aggregator, the job's inbox (exposed to the job's workers):
 *   +------------+------------+-----+--------------+------------+-----
 *   | slot 0     | slot 0     | ... | slot 0       | slot 1     | ...
 *   | rank 0     | rank 1     |     | rank N-1     | rank 0     |
 *   +------------+------------+-----+--------------+------------+-----
 *    C bytes each: inbox(s, r) = (s * N + r) * C
 *
 *   on each worker, the result window (exposed to the job's aggregators):
 *   +--------------+-----+----------------+--------------+-----
 *   | agg 0 slot 0 | ... | agg 0 slot W-1 | agg 1 slot 0 | ...
 *   +--------------+-----+----------------+--------------+-----
 *    C bytes each: result(a, s) = (a * W + s) * C; the send window has the same shape
 * </pre>
 *
 * Chunk i of a collective goes to aggregator i mod A. Each worker and aggregator numbers the chunks
 * that pass between them in one stream across collectives; the q-th uses slot q mod W, generation
 * q / W.
 *
 * @param workers     N.
 * @param aggregators A.
 * @param window      W.
 * @param chunkBytes  C.
 */
public record SlotLayout(int workers, int aggregators, int window, int chunkBytes)
{
    /**
     * @param join a join request.
     * @return the layout it describes.
     */
    public static SlotLayout of(final JoinRequest join)
    {
        return new SlotLayout(join.worldSize(), join.aggregators(), join.window(), join.chunkBytes());
    }

    /** @return bytes of an aggregator's inbox for one job. */
    public long inboxBytes()
    {
        return (long)window * workers * chunkBytes;
    }

    /** @return offset of rank r's area of slot s in an aggregator's inbox. */
    public long inboxOffset(final int slot, final int rank)
    {
        return ((long)slot * workers + rank) * chunkBytes;
    }

    /** @return bytes of a worker's result window (and of its send window). */
    public long windowBytes()
    {
        return (long)aggregators * window * chunkBytes;
    }

    /** @return offset of aggregator a's slot s in a worker's result or send window. */
    public long windowOffset(final int aggregator, final int slot)
    {
        return ((long)aggregator * window + slot) * chunkBytes;
    }
}
