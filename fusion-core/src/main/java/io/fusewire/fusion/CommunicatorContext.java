package io.fusewire.fusion;

import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.topology.groups.PlacementDocument;
import io.fusewire.transport.TransportContext;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything a worker needs to join a job: who it is, who the aggregators are, and how chunks
 * travel. Built by hand or from the variables launchers set ({@link #fromEnvironment}).
 */
public final class CommunicatorContext
{
    /** Default chunk: 256 KiB, between SwitchML's packets and NCCL's 512 KiB steps. */
    public static final int CHUNK_BYTES_DEFAULT = 256 * 1024;
    /** Default window: 4 chunks in flight per aggregator (measured against 2, 8 and 16 in README, "Defaults"). */
    public static final int WINDOW_DEFAULT = 4;
    /** Default bound on a collective making no progress. */
    public static final long TIMEOUT_MS_DEFAULT = 30_000;
    /** Host slots a device tensor is staged through, by default. */
    public static final int STAGING_SLOTS_DEFAULT = 8;
    /** Bytes per staging slot, by default. */
    public static final long STAGING_SLOT_BYTES_DEFAULT = 4L << 20;

    private static final String[] WORLD_SIZE_VARIABLES = {"WORLD_SIZE", "SLURM_NTASKS", "OMPI_COMM_WORLD_SIZE"};

    private long jobId;
    private String secret = "";
    private int rank = -1;
    private int worldSize = -1;
    private List<String> aggregators = List.of();
    private List<String> standbys = List.of();
    private String transport = "shm";
    private int chunkBytes = CHUNK_BYTES_DEFAULT;
    private int window = WINDOW_DEFAULT;
    private long timeoutMs = TIMEOUT_MS_DEFAULT;
    private boolean traced;
    private int stagingSlots = STAGING_SLOTS_DEFAULT;
    private long stagingSlotBytes = STAGING_SLOT_BYTES_DEFAULT;
    private TransportContext transportContext = new TransportContext();

    /**
     * Reads the job from the environment: rank and size from {@code RANK}/{@code WORLD_SIZE}
     * (torchrun), {@code SLURM_PROCID}/{@code SLURM_NTASKS} or
     * {@code OMPI_COMM_WORLD_RANK}/{@code OMPI_COMM_WORLD_SIZE}; aggregators from
     * {@code FUSEWIRE_AGGREGATORS} (host:port,host:port), or from the placement document named by
     * {@code FUSEWIRE_PLACEMENT} (written by {@code fusewire topo --place}, which also gives the world
     * size when no launcher does; in a two-tier placement the worker joins its rack's aggregator alone, and its rank and
     * size become those among its rack's workers), or else {@code MASTER_ADDR:MASTER_PORT};
     * {@code FUSEWIRE_JOB_ID}, {@code FUSEWIRE_JOB_SECRET}, {@code FUSEWIRE_TRANSPORT}; standby aggregators
     * from {@code FUSEWIRE_STANDBYS} (host:port,...).
     *
     * @param env the environment, e.g. {@link System#getenv()}.
     * @return the context.
     * @throws IllegalArgumentException naming what is missing or disagrees.
     */
    public static CommunicatorContext fromEnvironment(final Map<String, String> env)
    {
        final CommunicatorContext ctx = new CommunicatorContext();
        final PlacementDocument placement = placement(env.get("FUSEWIRE_PLACEMENT"));
        ctx.rank = Integer.parseInt(first(env, "rank", "RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK"));
        ctx.worldSize = placement != null && Stream.of(WORLD_SIZE_VARIABLES).allMatch(name -> blank(env.get(name)))
            ? placement.workerAddresses().size() : Integer.parseInt(first(env, "world size", WORLD_SIZE_VARIABLES));
        final String aggregators = env.get("FUSEWIRE_AGGREGATORS");
        if (!blank(aggregators) && placement != null)
        {
            throw new IllegalArgumentException("FUSEWIRE_AGGREGATORS and FUSEWIRE_PLACEMENT both name the aggregators: set one");
        }
        if (!blank(aggregators))
        {
            ctx.aggregators = Arrays.stream(aggregators.split(",")).map(String::trim).toList();
        }
        else if (placement != null)
        {
            if (placement.workerAddresses().size() != ctx.worldSize)
            {
                throw new IllegalArgumentException("the placement " + env.get("FUSEWIRE_PLACEMENT") + " has "
                    + placement.workerAddresses().size() + " workers; the launcher says the world size is " + ctx.worldSize);
            }
            if (ctx.rank >= ctx.worldSize)
            {
                throw new IllegalArgumentException("rank " + ctx.rank + " is not in the placement " + env.get("FUSEWIRE_PLACEMENT")
                    + ", which has ranks 0 to " + (ctx.worldSize - 1));
            }
            ctx.aggregators = placement.aggregatorListen();
            if (placement.twoTier())
            {
                // two tiers: this worker is one of its rack's, joining the rack's aggregators alone; the sum is every rack's
                ctx.aggregators = placement.rackAggregators(ctx.rank);
                ctx.worldSize = placement.workersInRack(ctx.rank);
                ctx.rank = placement.rankInRack(ctx.rank);
            }
        }
        else
        {
            ctx.aggregators = List.of(first(env, "aggregator address", "MASTER_ADDR") + ":" + first(env, "aggregator port", "MASTER_PORT"));
        }
        final String standbys = env.get("FUSEWIRE_STANDBYS");
        ctx.standbys = blank(standbys) ? List.of() : Arrays.stream(standbys.split(",")).map(String::trim).toList();
        ctx.jobId = Long.parseLong(env.getOrDefault("FUSEWIRE_JOB_ID", "0"));
        ctx.secret = env.getOrDefault("FUSEWIRE_JOB_SECRET", "");
        ctx.transport = env.getOrDefault("FUSEWIRE_TRANSPORT", "shm");
        return ctx;
    }

    private static PlacementDocument placement(final String file)
    {
        return blank(file) ? null : PlacementDocument.read(Path.of(file));
    }

    private static boolean blank(final String value)
    {
        return value == null || value.isBlank();
    }

    /**
     * @param aggregatorIndex which aggregator the join goes to.
     * @return the join request for it.
     * @throws IllegalArgumentException if the context is incomplete or wrong.
     */
    public JoinRequest join(final int aggregatorIndex)
    {
        return new JoinRequest(jobId, rank, worldSize, aggregatorIndex, aggregators.size(), chunkBytes, window);
    }

    /** @return the job's key, which joins prove (the secret itself never leaves this process). */
    public byte[] key()
    {
        return JoinRequest.key(jobId, secret);
    }

    /**
     * Validates the settings.
     *
     * @return this.
     */
    public CommunicatorContext conclude()
    {
        if (aggregators.isEmpty())
        {
            throw new IllegalArgumentException("no aggregators: give their host:port addresses (FUSEWIRE_AGGREGATORS)");
        }
        if (jobId < 0 || jobId > JoinRequest.MAX_JOB_ID)
        {
            throw new IllegalArgumentException("job id " + jobId + " is outside 0.." + JoinRequest.MAX_JOB_ID
                + " (FUSEWIRE_JOB_ID): the top bits are the daemons' own");
        }
        join(0);
        if (window > transportContext.sendQueueDepth())
        {
            throw new IllegalArgumentException("window " + window + " exceeds the send queue depth " + transportContext.sendQueueDepth()
                + " (" + TransportContext.SEND_QUEUE_DEPTH_PROP + ")");
        }
        if (stagingSlots < 1 || stagingSlots > 64 || stagingSlotBytes < 64 * 1024 || stagingSlotBytes % 8 != 0)
        {
            throw new IllegalArgumentException("staging takes 1..64 slots of a multiple of 8 bytes from 64 KiB; got " + stagingSlots
                + " x " + stagingSlotBytes);
        }
        if (timeoutMs < 1)
        {
            throw new IllegalArgumentException("collective timeout must be positive: " + timeoutMs);
        }
        transportContext.conclude();
        return this;
    }

    private static String first(final Map<String, String> env, final String what, final String... names)
    {
        for (final String name : names)
        {
            final String value = env.get(name);
            if (!blank(value))
            {
                return value.trim();
            }
        }
        throw new IllegalArgumentException("no " + what + " in the environment: set one of " + String.join(", ", names));
    }

    /** @return the job id. */
    public long jobId()
    {
        return jobId;
    }

    /**
     * @param id the job id, shared by its workers.
     * @return this.
     */
    public CommunicatorContext jobId(final long id)
    {
        this.jobId = id;
        return this;
    }

    /** @return the job's secret. */
    public String secret()
    {
        return secret;
    }

    /**
     * @param secret shared by the job's workers.
     * @return this.
     */
    public CommunicatorContext secret(final String secret)
    {
        this.secret = secret;
        return this;
    }

    /** @return this worker's rank. */
    public int rank()
    {
        return rank;
    }

    /**
     * @param rank 0..worldSize-1.
     * @return this.
     */
    public CommunicatorContext rank(final int rank)
    {
        this.rank = rank;
        return this;
    }

    /** @return workers in the job. */
    public int worldSize()
    {
        return worldSize;
    }

    /**
     * @param size workers in the job.
     * @return this.
     */
    public CommunicatorContext worldSize(final int size)
    {
        this.worldSize = size;
        return this;
    }

    /** @return the aggregators' addresses, in the job's order. */
    public List<String> aggregators()
    {
        return aggregators;
    }

    /**
     * @param addresses host:port of each aggregator, in the same order on every worker.
     * @return this.
     */
    public CommunicatorContext aggregators(final List<String> addresses)
    {
        this.aggregators = List.copyOf(addresses);
        return this;
    }

    /** @return the standby aggregators' addresses, in the order failovers take them. */
    public List<String> standbys()
    {
        return standbys;
    }

    /**
     * Aggregators that take no chunks until one of the job's aggregators fails: the i-th failover
     * of an aggregator goes to the i-th of these not yet tried, then to the job's other aggregators
     * (the survivors share the failed one's chunks). Without standbys, and with one aggregator, a
     * failed aggregator fails the job.
     *
     * @param addresses host:port of each standby, in the same order on every worker.
     * @return this.
     */
    public CommunicatorContext standbys(final List<String> addresses)
    {
        this.standbys = List.copyOf(addresses);
        return this;
    }

    /**
     * Where the chunks of aggregator {@code aggregator} go at its {@code epoch}-th failover (1, 2, ...):
     * the standbys in order, then the job's other aggregators after it, round the list.
     *
     * @return the address, or null when every candidate was tried.
     */
    public String takeover(final int aggregator, final int epoch)
    {
        final int candidate = epoch - 1;
        if (candidate < standbys.size())
        {
            return standbys.get(candidate);
        }
        final int survivor = candidate - standbys.size() + 1;
        return survivor < aggregators.size() ? aggregators.get((aggregator + survivor) % aggregators.size()) : null;
    }

    /** @return the join of the job that takes over aggregator {@code aggregator}'s chunks at its {@code epoch}-th failover. */
    public JoinRequest takeoverJoin(final int aggregator, final int epoch)
    {
        return new JoinRequest(JoinRequest.failoverJobId(jobId, aggregator, epoch), rank, worldSize, aggregator, aggregators.size(),
            chunkBytes, window);
    }

    /** @return the transport provider. */
    public String transport()
    {
        return transport;
    }

    /**
     * @param provider shm, tcp or verbs.
     * @return this.
     */
    public CommunicatorContext transport(final String provider)
    {
        this.transport = provider;
        return this;
    }

    /** @return bytes per chunk. */
    public int chunkBytes()
    {
        return chunkBytes;
    }

    /**
     * @param bytes per chunk, a multiple of 8 in 4 KiB..16 MiB.
     * @return this.
     */
    public CommunicatorContext chunkBytes(final int bytes)
    {
        this.chunkBytes = bytes;
        return this;
    }

    /** @return chunks in flight per aggregator. */
    public int window()
    {
        return window;
    }

    /**
     * @param slots chunks in flight per aggregator.
     * @return this.
     */
    public CommunicatorContext window(final int slots)
    {
        this.window = slots;
        return this;
    }

    /** @return host slots a device tensor's AllReduce is staged through where the network cannot reach GPU memory. */
    public int stagingSlots()
    {
        return stagingSlots;
    }

    /** @return bytes per staging slot. */
    public long stagingSlotBytes()
    {
        return stagingSlotBytes;
    }

    /**
     * @param slots     host slots a device tensor is staged through (copies in, reductions and copies out overlap across them), 1..64.
     * @param slotBytes bytes per slot, a multiple of 8 from 64 KiB; the same on every worker of the job.
     * @return this.
     */
    public CommunicatorContext staging(final int slots, final long slotBytes)
    {
        this.stagingSlots = slots;
        this.stagingSlotBytes = slotBytes;
        return this;
    }

    /** @return whether the communicator times each collective's phases ({@code Communicator.trace()}). */
    public boolean traced()
    {
        return traced;
    }

    /**
     * @param on time each collective's phases (a few clock reads per chunk), for {@code perf allreduce --trace}.
     * @return this.
     */
    public CommunicatorContext traced(final boolean on)
    {
        this.traced = on;
        return this;
    }

    /** @return the bound on a collective making no progress. */
    public long timeoutMs()
    {
        return timeoutMs;
    }

    /**
     * @param ms the bound on a collective making no progress.
     * @return this.
     */
    public CommunicatorContext timeoutMs(final long ms)
    {
        this.timeoutMs = ms;
        return this;
    }

    /** @return the transport's configuration. */
    public TransportContext transportContext()
    {
        return transportContext;
    }

    /**
     * @param context the transport's configuration.
     * @return this.
     */
    public CommunicatorContext transportContext(final TransportContext context)
    {
        this.transportContext = context;
        return this;
    }
}
