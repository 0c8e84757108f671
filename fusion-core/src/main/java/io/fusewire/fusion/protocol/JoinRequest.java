package io.fusewire.fusion.protocol;

import io.fusewire.topology.Hmac;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a worker claims when it connects to an aggregator: the private data of its connect
 * request, checked by the aggregator's admission before any memory is exposed. It proves the
 * job's secret without carrying it: the listener sends a fresh challenge first, and the request
 * carries HMAC-SHA256(K, challenge), K being the job's key, an HMAC of the secret and the job id
 * ({@link #key}). A daemon learns a job's K from its first join, which it asks for: a join of a job
 * it does not know is refused with {@link #NEW_JOB}, and the worker joins again with K. Little-endian:
 *
 * <pre>
 *    0  int   magic 0x324A5746 ("FWJ2")
 *    4  long  job id
 *   12  int   rank
 *   16  int   world size (workers)
 *   20  int   index of the aggregator connected to
 *   24  int   aggregators in the job
 *   28  int   chunk bytes
 *   32  int   window: slots per aggregator
 *   36  32 B  proof: HMAC-SHA256(K, the listener's challenge)
 *   68  byte  1 if K follows (the daemon asked for it: a job new to it), else 0
 *   69  32 B  K
 * </pre>
 *
 * @param jobId           the job.
 * @param rank            this worker, 0..worldSize-1.
 * @param worldSize       workers in the job.
 * @param aggregatorIndex which aggregator this connection goes to.
 * @param aggregators     aggregators in the job.
 * @param chunkBytes      bytes per chunk.
 * @param window          slots per aggregator, chunks in flight per worker and aggregator.
 */
public record JoinRequest(
    long jobId,
    int rank,
    int worldSize,
    int aggregatorIndex,
    int aggregators,
    int chunkBytes,
    int window)
{
    /** In a daemon's refusal of a join whose job it does not know yet: join again with the job's key. */
    public static final String NEW_JOB = "is new here: join again with its key";

    /**
     * A join as the daemon reads it.
     *
     * @param join  the claims.
     * @param proof HMAC-SHA256(K, challenge).
     * @param key   K, or null when the worker did not send it.
     */
    public record Signed(JoinRequest join, byte[] proof, byte[] key)
    {
        /** @return whether the proof is HMAC-SHA256(key, challenge), compared in constant time. */
        public boolean provedWith(final byte[] jobKey, final byte[] challenge)
        {
            return Hmac.verify(jobKey, challenge, proof);
        }
    }

    /** Job ids a user may choose: 0 to 2^62 - 1; the bits above are the daemons'. */
    public static final long MAX_JOB_ID = (1L << 62) - 1;
    /** Set in a job's id for its second tier, the job among rack aggregators of a hierarchical one. */
    public static final long TIER2 = 1L << 62;
    /** Set in the id of the job that takes over a failed aggregator's chunks ({@link #failoverJobId}). */
    public static final long FAILOVER = 1L << 63;
    private static final int MAGIC = 0x324A5746;
    private static final int LENGTH = 36 + 32 + 1;

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
    }

    /**
     * @param jobId  the job (a user's id: a tier-2 or failover job of it uses the same key).
     * @param secret the job's secret.
     * @return the job's key K = HMAC-SHA256(secret, "fusewire job " + id): what joins prove, never the secret.
     */
    public static byte[] key(final long jobId, final String secret)
    {
        return Hmac.of(secret.getBytes(StandardCharsets.UTF_8), ("fusewire job " + jobId).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * @param challenge the listener's challenge.
     * @param jobKey    the job's key, {@link #key}.
     * @param withKey   whether to send the key too (the daemon said the job is new to it).
     * @return the bytes to send as connect private data.
     */
    public byte[] encode(final byte[] challenge, final byte[] jobKey, final boolean withKey)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(LENGTH + (withKey ? Hmac.BYTES : 0)).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC).putLong(jobId).putInt(rank).putInt(worldSize).putInt(aggregatorIndex).putInt(aggregators)
            .putInt(chunkBytes).putInt(window).put(Hmac.of(jobKey, challenge)).put((byte)(withKey ? 1 : 0));
        if (withKey)
        {
            buffer.put(jobKey);
        }
        return buffer.array();
    }

    /**
     * @param bytes connect private data.
     * @return the request with its proof.
     * @throws IllegalArgumentException saying what is wrong with it.
     */
    public static Signed decode(final byte[] bytes)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        require(bytes.length >= LENGTH && buffer.getInt() == MAGIC, "not a Fusewire join request (" + bytes.length + " bytes)");
        final JoinRequest join = new JoinRequest(buffer.getLong(), buffer.getInt(), buffer.getInt(), buffer.getInt(), buffer.getInt(),
            buffer.getInt(), buffer.getInt());
        final byte[] proof = new byte[Hmac.BYTES];
        buffer.get(proof);
        final int withKey = buffer.get();
        require(withKey == 0 && buffer.remaining() == 0 || withKey == 1 && buffer.remaining() == Hmac.BYTES,
            "join request with a malformed key");
        final byte[] jobKey = withKey == 1 ? new byte[Hmac.BYTES] : null;
        if (jobKey != null)
        {
            buffer.get(jobKey);
        }
        return new Signed(join, proof, jobKey);
    }

    /**
     * Connects to an aggregator with this join, proving the job's key; joins again with the key when
     * the daemon does not know the job yet.
     *
     * @return the connection.
     * @throws io.fusewire.transport.TransportException if the aggregator is unreachable or refused, with its reason.
     */
    public Connection connect(final Device device, final String address, final List<MemoryRegion> exposed, final CompletionQueue queue,
        final byte[] jobKey)
    {
        try
        {
            return device.connect(address, exposed, queue, challenge -> encode(challenge, jobKey, false));
        }
        catch (final TransportException ex)
        {
            if (ex.getMessage() == null || !ex.getMessage().contains(NEW_JOB))
            {
                throw ex;
            }
            return device.connect(address, exposed, queue, challenge -> encode(challenge, jobKey, true));
        }
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
