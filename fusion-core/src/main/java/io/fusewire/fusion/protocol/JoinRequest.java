package io.fusewire.fusion.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * What a worker claims when it connects to an aggregator: the private data of its connect
 * request, checked by the aggregator's admission before any memory is exposed. Little-endian:
 *
 * <pre>
 *    0  int   magic 0x314A5746 ("FWJ1")
 *    4  long  job id
 *   12  int   rank
 *   16  int   world size (workers)
 *   20  int   index of the aggregator connected to
 *   24  int   aggregators in the job
 *   28  int   chunk bytes
 *   32  int   window: slots per aggregator
 *   36  int   secret length s (at most 256)
 *   40  s     secret, UTF-8
 * </pre>
 *
 * @param jobId           the job.
 * @param secret          shared by the job's workers; the first join sets it.
 * @param rank            this worker, 0..worldSize-1.
 * @param worldSize       workers in the job.
 * @param aggregatorIndex which aggregator this connection goes to.
 * @param aggregators     aggregators in the job.
 * @param chunkBytes      bytes per chunk.
 * @param window          slots per aggregator, chunks in flight per worker and aggregator.
 */
public record JoinRequest(
    long jobId,
    String secret,
    int rank,
    int worldSize,
    int aggregatorIndex,
    int aggregators,
    int chunkBytes,
    int window)
{
    /** Job ids a user may choose: 0 to 2^62 - 1; the bits above are the daemons'. */
    public static final long MAX_JOB_ID = (1L << 62) - 1;
    /** Set in a job's id for its second tier, the job among rack aggregators of a hierarchical one. */
    public static final long TIER2 = 1L << 62;
    /** Set in the id of the job that takes over a failed aggregator's chunks ({@link #failoverJobId}). */
    public static final long FAILOVER = 1L << 63;
    private static final int MAGIC = 0x314A5746;
    private static final int MAX_SECRET = 256;

    /**
     * The job that takes over aggregator {@code aggregator}'s chunks of job {@code jobId} at its
     * {@code epoch}-th failover: every worker derives the same id, so they meet in one job on the
     * aggregator that takes over, and no chunk is summed under two maps (each epoch is a job of its own).
     *
     * @return an id with {@link #FAILOVER} set, never {@link #TIER2}.
     */
    public static long failoverJobId(final long jobId, final int aggregator, final int epoch)
    {
        long mix = jobId * 0x9E3779B97F4A7C15L + ((long)aggregator << 32 | epoch & 0xFFFFFFFFL);
        mix = (mix ^ mix >>> 30) * 0xBF58476D1CE4E5B9L;
        mix = (mix ^ mix >>> 27) * 0x94D049BB133111EBL;
        return FAILOVER | (mix ^ mix >>> 31) & MAX_JOB_ID;
    }

    /** Checks the fields; the message says which one is wrong. */
    public JoinRequest
    {
        require(worldSize >= 1 && worldSize <= 4096, "world size " + worldSize + " outside 1..4096");
        require(rank >= 0 && rank < worldSize, "rank " + rank + " outside 0.." + (worldSize - 1));
        require(aggregators >= 1 && aggregators <= 1024, "aggregator count " + aggregators + " outside 1..1024");
        require(aggregatorIndex >= 0 && aggregatorIndex < aggregators, "aggregator index " + aggregatorIndex + " outside 0.."
            + (aggregators - 1));
        require(chunkBytes >= 4096 && chunkBytes <= 16 << 20 && chunkBytes % 8 == 0,
            "chunk of " + chunkBytes + " bytes: use a multiple of 8 in 4 KiB..16 MiB");
        require(window >= 1 && window <= ChunkImmediate.MAX_SLOTS, "window of " + window + " slots outside 1.."
            + ChunkImmediate.MAX_SLOTS);
        require(secret.getBytes(StandardCharsets.UTF_8).length <= MAX_SECRET, "secret longer than " + MAX_SECRET + " bytes");
    }

    /** @return the bytes to send as connect private data. */
    public byte[] encode()
    {
        final byte[] secretBytes = secret.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer buffer = ByteBuffer.allocate(40 + secretBytes.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC).putLong(jobId).putInt(rank).putInt(worldSize).putInt(aggregatorIndex).putInt(aggregators)
            .putInt(chunkBytes).putInt(window).putInt(secretBytes.length).put(secretBytes);
        return buffer.array();
    }

    /**
     * @param bytes connect private data.
     * @return the request.
     * @throws IllegalArgumentException saying what is wrong with it.
     */
    public static JoinRequest decode(final byte[] bytes)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        require(bytes.length >= 40 && buffer.getInt() == MAGIC, "not a Fusewire join request (" + bytes.length + " bytes)");
        final long jobId = buffer.getLong();
        final int rank = buffer.getInt();
        final int worldSize = buffer.getInt();
        final int aggregatorIndex = buffer.getInt();
        final int aggregators = buffer.getInt();
        final int chunkBytes = buffer.getInt();
        final int window = buffer.getInt();
        final int secretLength = buffer.getInt();
        require(secretLength >= 0 && secretLength == buffer.remaining(), "join request with a malformed secret");
        final byte[] secretBytes = new byte[secretLength];
        buffer.get(secretBytes);
        return new JoinRequest(jobId, new String(secretBytes, StandardCharsets.UTF_8), rank, worldSize, aggregatorIndex,
            aggregators, chunkBytes, window);
    }

    /**
     * @param other another worker's request for the same job.
     * @return null when both describe the same job layout, else what differs, naming both ranks.
     */
    public String layoutDifference(final JoinRequest other)
    {
        if (worldSize != other.worldSize || aggregators != other.aggregators || chunkBytes != other.chunkBytes
            || window != other.window)
        {
            return "rank " + rank + " joined job " + jobId + " as " + describeLayout() + ", rank " + other.rank + " as "
                + other.describeLayout() + ": every worker must use the same layout";
        }
        return null;
    }

    private String describeLayout()
    {
        return "[" + worldSize + " workers, " + aggregators + " aggregators, " + chunkBytes + "-byte chunks, window " + window + "]";
    }

    @Override
    public String toString()
    {
        return "join of job " + jobId + " by rank " + rank + "/" + worldSize + " at aggregator " + aggregatorIndex + "/"
            + aggregators + " " + describeLayout();
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }
}
