package io.fusewire.transport;

import java.nio.file.Path;
import java.util.Properties;

/**
 * Configuration of a {@link Fabric}. Every knob is a {@code fusewire.transport.*} property with a
 * default; {@link #fromProperties} reads them (system properties when none are given) and
 * {@link #conclude()} validates them, naming the property that is wrong.
 */
public final class TransportContext
{
    /** Work requests in flight per connection before posts return BACK_PRESSURED; power of two. */
    public static final String SEND_QUEUE_DEPTH_PROP = "fusewire.transport.send.queue.depth";
    /** Default for {@link #SEND_QUEUE_DEPTH_PROP}. */
    public static final int SEND_QUEUE_DEPTH_DEFAULT = 256;
    /** Longest control message {@link Connection#send} takes, in bytes. */
    public static final String MAX_MESSAGE_LENGTH_PROP = "fusewire.transport.max.message.length";
    /** Default for {@link #MAX_MESSAGE_LENGTH_PROP}. */
    public static final int MAX_MESSAGE_LENGTH_DEFAULT = 1024;
    /** Bound on connecting (retries included) and on each handshake, in milliseconds. */
    public static final String CONNECT_TIMEOUT_PROP = "fusewire.transport.connect.timeout.ms";
    /** Default for {@link #CONNECT_TIMEOUT_PROP}. */
    public static final long CONNECT_TIMEOUT_DEFAULT = 10_000;
    /** A peer silent for this long is declared lost, in milliseconds. */
    public static final String PEER_TIMEOUT_PROP = "fusewire.transport.peer.timeout.ms";
    /** Default for {@link #PEER_TIMEOUT_PROP}. */
    public static final long PEER_TIMEOUT_DEFAULT = 10_000;
    /** An idle connection sends a heartbeat this often, in milliseconds; below the peer timeout. */
    public static final String HEARTBEAT_INTERVAL_PROP = "fusewire.transport.heartbeat.interval.ms";
    /** Default for {@link #HEARTBEAT_INTERVAL_PROP}. */
    public static final long HEARTBEAT_INTERVAL_DEFAULT = 1_000;
    /** Directory of the shm provider's region and ring files (a tmpfs). */
    public static final String SHM_DIRECTORY_PROP = "fusewire.transport.shm.dir";
    /** Default for {@link #SHM_DIRECTORY_PROP}. */
    public static final String SHM_DIRECTORY_DEFAULT = "/dev/shm";
    /** Bytes of the shm completion ring per connection and direction; power of two. */
    public static final String SHM_RING_CAPACITY_PROP = "fusewire.transport.shm.ring.capacity";
    /** Default for {@link #SHM_RING_CAPACITY_PROP}. */
    public static final int SHM_RING_CAPACITY_DEFAULT = 1 << 20;
    /** Bytes of the tcp provider's receive staging buffer per connection. */
    public static final String TCP_STAGING_PROP = "fusewire.transport.tcp.staging.bytes";
    /** Default for {@link #TCP_STAGING_PROP}. */
    public static final int TCP_STAGING_DEFAULT = 256 * 1024;
    /**
     * verbs: the local ACK timeout of every queue pair, as the exponent of 4.096 us * 2^N (18: 1.07 s),
     * after which an RC packet the peer did not acknowledge is sent again, 6 times at most. Too short
     * and a slow peer (a busy host, an emulated guest) is sent duplicates it must discard; a dead peer
     * is noticed sooner by its closed socket or the peer timeout anyway.
     */
    public static final String VERBS_ACK_TIMEOUT_PROP = "fusewire.transport.verbs.ack.timeout";
    /** Default for {@link #VERBS_ACK_TIMEOUT_PROP}. */
    public static final int VERBS_ACK_TIMEOUT_DEFAULT = 18;
    /**
     * When true, every provider checks that a write's source bytes did not change between the post
     * and the WRITE completion, and ends such a write with {@link Status#SOURCE_CHANGED}. Costs two
     * passes over each write's bytes and reads them with the CPU (host memory only): for test runs,
     * where it turns a caller that reuses a buffer too early into a loud failure instead of a rare
     * wrong sum. Unlike the other properties, even {@code new TransportContext()} reads it from the
     * system properties, so one {@code -D} covers every fabric of a test run and its child processes.
     */
    public static final String VERIFY_SOURCES_PROP = "fusewire.transport.verify.sources";

    private int sendQueueDepth = SEND_QUEUE_DEPTH_DEFAULT;
    private int maxMessageLength = MAX_MESSAGE_LENGTH_DEFAULT;
    private long connectTimeoutMs = CONNECT_TIMEOUT_DEFAULT;
    private long peerTimeoutMs = PEER_TIMEOUT_DEFAULT;
    private long heartbeatIntervalMs = HEARTBEAT_INTERVAL_DEFAULT;
    private Path shmDirectory = Path.of(SHM_DIRECTORY_DEFAULT);
    private int shmRingCapacity = SHM_RING_CAPACITY_DEFAULT;
    private int tcpStagingBytes = TCP_STAGING_DEFAULT;
    private int verbsAckTimeout = VERBS_ACK_TIMEOUT_DEFAULT;
    private boolean verifySources = Boolean.getBoolean(VERIFY_SOURCES_PROP);

    /**
     * Reads every property above, falling back to its default.
     *
     * @param properties where to read; system properties if null.
     * @return a context, not yet concluded.
     */
    public static TransportContext fromProperties(final Properties properties)
    {
        final Properties p = properties != null ? properties : System.getProperties();
        final TransportContext ctx = new TransportContext();
        ctx.sendQueueDepth = ConfigValues.intValue(p, SEND_QUEUE_DEPTH_PROP, SEND_QUEUE_DEPTH_DEFAULT);
        ctx.maxMessageLength = ConfigValues.intValue(p, MAX_MESSAGE_LENGTH_PROP, MAX_MESSAGE_LENGTH_DEFAULT);
        ctx.connectTimeoutMs = ConfigValues.longValue(p, CONNECT_TIMEOUT_PROP, CONNECT_TIMEOUT_DEFAULT);
        ctx.peerTimeoutMs = ConfigValues.longValue(p, PEER_TIMEOUT_PROP, PEER_TIMEOUT_DEFAULT);
        ctx.heartbeatIntervalMs = ConfigValues.longValue(p, HEARTBEAT_INTERVAL_PROP, HEARTBEAT_INTERVAL_DEFAULT);
        ctx.shmDirectory = Path.of(p.getProperty(SHM_DIRECTORY_PROP, SHM_DIRECTORY_DEFAULT));
        ctx.shmRingCapacity = ConfigValues.intValue(p, SHM_RING_CAPACITY_PROP, SHM_RING_CAPACITY_DEFAULT);
        ctx.tcpStagingBytes = ConfigValues.intValue(p, TCP_STAGING_PROP, TCP_STAGING_DEFAULT);
        ctx.verbsAckTimeout = ConfigValues.intValue(p, VERBS_ACK_TIMEOUT_PROP, VERBS_ACK_TIMEOUT_DEFAULT);
        ctx.verifySources = ConfigValues.booleanValue(p, VERIFY_SOURCES_PROP, ctx.verifySources);
        return ctx;
    }

    /**
     * Validates every setting.
     *
     * @return this.
     * @throws IllegalArgumentException naming the property that is wrong and what it must be.
     */
    public TransportContext conclude()
    {
        requirePowerOfTwo(SEND_QUEUE_DEPTH_PROP, sendQueueDepth, 2, 1 << 16);
        require(MAX_MESSAGE_LENGTH_PROP, maxMessageLength, 8, 64 * 1024);
        require(CONNECT_TIMEOUT_PROP, connectTimeoutMs, 1, 3_600_000);
        require(PEER_TIMEOUT_PROP, peerTimeoutMs, 10, 3_600_000);
        require(HEARTBEAT_INTERVAL_PROP, heartbeatIntervalMs, 1, peerTimeoutMs / 2);
        requirePowerOfTwo(SHM_RING_CAPACITY_PROP, shmRingCapacity, 64 * 1024, 1 << 30);
        require(TCP_STAGING_PROP, tcpStagingBytes, 2L * (maxMessageLength + 64), 1 << 30);
        require(VERBS_ACK_TIMEOUT_PROP, verbsAckTimeout, 1, 31);
        return this;
    }

    /** @return see {@link #SEND_QUEUE_DEPTH_PROP}. */
    public int sendQueueDepth()
    {
        return sendQueueDepth;
    }

    /**
     * @param depth see {@link #SEND_QUEUE_DEPTH_PROP}.
     * @return this.
     */
    public TransportContext sendQueueDepth(final int depth)
    {
        this.sendQueueDepth = depth;
        return this;
    }

    /** @return see {@link #MAX_MESSAGE_LENGTH_PROP}. */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * @param length see {@link #MAX_MESSAGE_LENGTH_PROP}.
     * @return this.
     */
    public TransportContext maxMessageLength(final int length)
    {
        this.maxMessageLength = length;
        return this;
    }

    /** @return see {@link #CONNECT_TIMEOUT_PROP}. */
    public long connectTimeoutMs()
    {
        return connectTimeoutMs;
    }

    /**
     * @param ms see {@link #CONNECT_TIMEOUT_PROP}.
     * @return this.
     */
    public TransportContext connectTimeoutMs(final long ms)
    {
        this.connectTimeoutMs = ms;
        return this;
    }

    /** @return see {@link #PEER_TIMEOUT_PROP}. */
    public long peerTimeoutMs()
    {
        return peerTimeoutMs;
    }

    /**
     * @param ms see {@link #PEER_TIMEOUT_PROP}.
     * @return this.
     */
    public TransportContext peerTimeoutMs(final long ms)
    {
        this.peerTimeoutMs = ms;
        return this;
    }

    /** @return see {@link #HEARTBEAT_INTERVAL_PROP}. */
    public long heartbeatIntervalMs()
    {
        return heartbeatIntervalMs;
    }

    /**
     * @param ms see {@link #HEARTBEAT_INTERVAL_PROP}.
     * @return this.
     */
    public TransportContext heartbeatIntervalMs(final long ms)
    {
        this.heartbeatIntervalMs = ms;
        return this;
    }

    /** @return see {@link #SHM_DIRECTORY_PROP}. */
    public Path shmDirectory()
    {
        return shmDirectory;
    }

    /**
     * @param directory see {@link #SHM_DIRECTORY_PROP}.
     * @return this.
     */
    public TransportContext shmDirectory(final Path directory)
    {
        this.shmDirectory = directory;
        return this;
    }

    /** @return see {@link #SHM_RING_CAPACITY_PROP}. */
    public int shmRingCapacity()
    {
        return shmRingCapacity;
    }

    /**
     * @param bytes see {@link #SHM_RING_CAPACITY_PROP}.
     * @return this.
     */
    public TransportContext shmRingCapacity(final int bytes)
    {
        this.shmRingCapacity = bytes;
        return this;
    }

    /** @return see {@link #VERBS_ACK_TIMEOUT_PROP}. */
    public int verbsAckTimeout()
    {
        return verbsAckTimeout;
    }

    /**
     * @param exponent see {@link #VERBS_ACK_TIMEOUT_PROP}.
     * @return this.
     */
    public TransportContext verbsAckTimeout(final int exponent)
    {
        this.verbsAckTimeout = exponent;
        return this;
    }

    /** @return see {@link #TCP_STAGING_PROP}. */
    public int tcpStagingBytes()
    {
        return tcpStagingBytes;
    }

    /**
     * @param bytes see {@link #TCP_STAGING_PROP}.
     * @return this.
     */
    public TransportContext tcpStagingBytes(final int bytes)
    {
        this.tcpStagingBytes = bytes;
        return this;
    }

    /** @return see {@link #VERIFY_SOURCES_PROP}. */
    public boolean verifySources()
    {
        return verifySources;
    }

    /**
     * @param verify see {@link #VERIFY_SOURCES_PROP}.
     * @return this.
     */
    public TransportContext verifySources(final boolean verify)
    {
        this.verifySources = verify;
        return this;
    }

    private static void require(final String name, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(name + "=" + value + " is out of range: use " + min + ".." + max);
        }
    }

    private static void requirePowerOfTwo(final String name, final int value, final int min, final int max)
    {
        require(name, value, min, max);
        if (Integer.bitCount(value) != 1)
        {
            throw new IllegalArgumentException(name + "=" + value + " must be a power of two, e.g. "
                + Integer.highestOneBit(value));
        }
    }
}
