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
 *   and its sums: the accumulators, 2C per slot (4 bytes per element, for inputs as narrow as 2 bytes),
 *   and the result area, C per slot (16-bit results rounded back from the accumulator), then each
 *   slot's last result length (an int in 8 bytes: the bytes reduced, which a common-prefix chunk
 *   sets to the shortest contribution)
 *   +------------+------------+-----      +--------+-----+----------+--------+--------+-----
 *   | acc slot 0 | acc slot 1 | ...       | slot 0 | ... | slot W-1 | len 0  | len 1  | ...
 *   +------------+------------+-----      +--------+-----+----------+--------+--------+-----
 *   accumulator(s) = s * 2C                result(s) = s * C         length(s) = W * C + 8 * s
 *
 *   the aggregator exposes the three to the job's workers in this order: inbox, accumulators,
 *   results. A slot's result lies in its accumulator for 4-byte types, in the result area for
 *   2-byte types.
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
    /** Index of the inbox among the regions an aggregator exposes to a job's workers. */
    public static final int INBOX = 0;
    /** Index of the accumulators. */
    public static final int ACCUMULATORS = 1;
    /** Index of the result area. */
    public static final int RESULTS = 2;

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

    /** @return bytes of an aggregator's accumulators for one job. */
    public long accumulatorBytes()
    {
        return 2L * chunkBytes * window;
    }

    /** @return offset of slot s's accumulator. */
    public long accumulatorOffset(final int slot)
    {
        return 2L * chunkBytes * slot;
    }

    /** @return bytes of an aggregator's result area for one job, with its table of result lengths. */
    public long resultAreaBytes()
    {
        return (long)chunkBytes * window + 8L * window;
    }

    /** @return offset, in the result area, of the int that holds slot s's last result length. */
    public long resultLengthOffset(final int slot)
    {
        return (long)chunkBytes * window + 8L * slot;
    }

    /** @return offset of slot s in the result area. */
    public long resultAreaOffset(final int slot)
    {
        return (long)chunkBytes * slot;
    }

    /**
     * @param typeBytes bytes per element of the collective.
     * @return which exposed region ({@link #ACCUMULATORS} or {@link #RESULTS}) holds a slot's result.
     */
    public static int resultRegion(final int typeBytes)
    {
        return typeBytes >= 4 ? ACCUMULATORS : RESULTS;
    }

    /** @return offset of slot s's result in the region {@link #resultRegion} names. */
    public long resultOffset(final int slot, final int typeBytes)
    {
        return resultRegion(typeBytes) == ACCUMULATORS ? accumulatorOffset(slot) : resultAreaOffset(slot);
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
