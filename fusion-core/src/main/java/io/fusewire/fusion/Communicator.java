package io.fusewire.fusion;

import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.gpu.DeviceBuffer;
import io.fusewire.gpu.StagedPipeline;
import io.fusewire.fusion.worker.BlockingCollective;
import io.fusewire.fusion.worker.Collective;
import io.fusewire.fusion.worker.FailoverEvent;
import io.fusewire.fusion.worker.FutureCollective;
import io.fusewire.fusion.worker.PhaseTrace;
import io.fusewire.fusion.worker.SharedProgress;
import io.fusewire.fusion.worker.Takeovers;
import io.fusewire.fusion.worker.WorkerAgent;
import io.fusewire.transport.IdleStrategies;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.MemoryRegion;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

/**
 * A worker's handle on a job: AllReduce through the job's aggregators. Thread-safe: collectives
 * from any thread run one at a time, in the order they were submitted, on the communicator's own
 * thread or, for {@link #allReduceBlocking}, on the caller's. Futures complete on whichever of
 * those threads drives the worker at the time, so heavy dependent work belongs in the
 * {@code *Async} stages. Every future completes: with the result, or with an exception that says what failed
 * (an aggregator gone, a worker missing, workers disagreeing, no progress within the timeout).
 */
public final class Communicator implements AutoCloseable
{
    private final CommunicatorContext context;
    private final Fabric fabric;
    /** Unbounded: refusing a collective on one worker and not on another would put the job out of step. */
    private final ManyToOneConcurrentLinkedQueue<Collective> submitted = new ManyToOneConcurrentLinkedQueue<>();
    private final WorkerAgent agent;
    private final SharedProgress progress;
    private final AgentRunner runner;
    private final ThreadLocal<IdleStrategy> callerIdle = ThreadLocal.withInitial(IdleStrategies::sharedCore);
    private final ThreadLocal<BlockingCollective> callerCollective = ThreadLocal.withInitial(BlockingCollective::new);
    private final Device device;
    private final List<MemoryRegion> registered = new CopyOnWriteArrayList<>();
    /** Made on the first AllReduce of a device tensor, again when the device changes; guarded by this communicator's monitor. */
    private DeviceStaging deviceStaging;
    /** The staging slots, registered once and kept for every device. */
    private MemorySegment stagingMemory;
    /** Why a device AllReduce failed; once set, this communicator refuses device tensors. */
    private String stagingFailure;

    private Communicator(final CommunicatorContext context)
    {
        this.context = context;
        fabric = Fabric.open(context.transport(), context.transportContext());
        try
        {
            device = fabric.openDefaultDevice();
            final CompletionQueue queue = device.createCompletionQueue();
            final SlotLayout layout = SlotLayout.of(context.join(0));
            final MemoryRegion sendWindow = device.allocate(layout.windowBytes());
            final MemoryRegion resultWindow = device.allocate(layout.windowBytes());
            final List<String> addresses = context.aggregators();
            final Connection[] connections = new Connection[addresses.size()];
            for (int a = 0; a < connections.length; a++)
            {
                connections[a] = context.join(a).connect(device, addresses.get(a), List.of(resultWindow), queue, context.key());
            }
            final boolean canFailOver = connections.length > 1 || !context.standbys().isEmpty();
            agent = new WorkerAgent(context.rank(), layout, connections, queue, sendWindow, resultWindow, submitted, registered,
                context.timeoutMs(), context.traced(), canFailOver ? takeovers(queue, resultWindow) : null);
            progress = new SharedProgress(agent);
            runner = new AgentRunner(IdleStrategies.sharedCore(),
                ex -> System.getLogger("io.fusewire.fusion").log(System.Logger.Level.ERROR, "worker agent failed", ex), null, progress);
        }
        catch (final RuntimeException ex)
        {
            fabric.close();
            throw ex;
        }
        AgentRunner.startOnThread(runner);
    }

    /** Failovers go to the context's standbys, then to the surviving aggregators, over this communicator's device and queue. */
    private Takeovers takeovers(final CompletionQueue queue, final MemoryRegion resultWindow)
    {
        return new Takeovers()
        {
            @Override
            public String address(final int aggregator, final int epoch)
            {
                return context.takeover(aggregator, epoch);
            }

            @Override
            public Connection connect(final String address, final int aggregator, final int epoch)
            {
                return context.takeoverJoin(aggregator, epoch).connect(device, address, List.of(resultWindow), queue, context.key());
            }

            @Override
            public MemoryRegion staging(final long bytes)
            {
                return device.allocate(bytes);
            }
        };
    }

    /**
     * Joins the job: connects to every aggregator, which admits this worker only with the job's
     * secret and layout.
     *
     * @param context the job and this worker; concluded here.
     * @return the communicator.
     * @throws io.fusewire.transport.TransportException if an aggregator is unreachable or refused, with its reason.
     */
    public static Communicator connect(final CommunicatorContext context)
    {
        return new Communicator(context.conclude());
    }

    /**
     * Allocates tensor memory registered with the transport: collectives over it skip the copy
     * into the send window (chunks are written straight from it). Freed when the communicator closes.
     *
     * @param bytes the size.
     * @return the memory, zero-filled, reachable from any thread.
     */
    public MemorySegment allocate(final long bytes)
    {
        final MemoryRegion region = device.allocate(bytes);
        registered.add(region);
        return region.segment();
    }

    /** @return chunks this worker wrote straight from tensors in memory from {@link #allocate}, copying nothing. */
    public long chunksInPlace()
    {
        return agent.chunksInPlace();
    }

    /** @return chunks this worker copied into its send window before writing them (tensors not from {@link #allocate}). */
    public long chunksCopied()
    {
        return agent.chunksCopied();
    }

    /**
     * @return true where the transport maps the aggregators' memory into this process (shm): results
     *         are then copied into the tensor straight from the aggregators' sums, not written to this
     *         worker first.
     */
    public boolean readsResultsInPlace()
    {
        return agent.readsResultsInPlace();
    }

    /**
     * @return the phase times of this worker's collectives so far, summed; read between collectives.
     * @throws IllegalStateException unless the context asked for them ({@link CommunicatorContext#traced(boolean)}).
     */
    public PhaseTrace.Totals trace()
    {
        final PhaseTrace trace = agent.trace();
        if (trace == null)
        {
            throw new IllegalStateException("this communicator does not trace: join with CommunicatorContext.traced(true)");
        }
        return trace.totals();
    }

    /**
     * @return the aggregator failovers this worker went through, oldest first: which aggregator, who
     *         took over its chunks, from where, and how long the collectives waited for it.
     */
    public List<FailoverEvent> failovers()
    {
        return agent.failovers();
    }

    /** @return this worker's rank. */
    public int rank()
    {
        return context.rank();
    }

    /** @return workers in the job. */
    public int worldSize()
    {
        return context.worldSize();
    }

    /**
     * AllReduce of a tensor in GPU memory, in place, progressed on the calling thread until done.
     * Where the transport cannot write GPU memory (shm, tcp, or a NIC without GPUDirect), the tensor
     * is staged through pinned host slots ({@link CommunicatorContext#staging}): chunk by chunk,
     * copied to the host, reduced as a collective of its own and copied back, the copies of one
     * chunk overlapping the collectives of others. One device AllReduce at a time per communicator
     * (other callers wait); every worker must pass tensors of the same sizes in the same order.
     *
     * @param data elements of {@code type} in device memory; overwritten with the result.
     * @param type their type.
     * @param op   the operator.
     * @return {@code data}, holding the result.
     * @throws IllegalArgumentException for a tensor that is not whole elements.
     * @throws IllegalStateException    if a collective failed or nothing moved within the timeout, saying why.
     */
    public synchronized DeviceBuffer allReduceBlocking(final DeviceBuffer data, final DataType type, final ReduceOp op)
    {
        if (data.byteSize() % type.bytes() != 0)
        {
            throw new IllegalArgumentException("a " + type + " tensor is whole elements of " + type.bytes() + " bytes; got " + data);
        }
        if (stagingFailure != null)
        {
            throw new IllegalStateException("an earlier device AllReduce failed (" + stagingFailure + "), so this worker's collectives"
                + " may be out of step with the job's: close this communicator and join again");
        }
        final int ordinal = data.context().ordinal();
        if (deviceStaging == null || deviceStaging.ordinal() != ordinal)
        {
            final DeviceStaging previous = deviceStaging;
            deviceStaging = null;
            if (previous != null)
            {
                previous.close();
            }
            if (stagingMemory == null)
            {
                stagingMemory = allocate(context.stagingSlots() * context.stagingSlotBytes());
            }
            deviceStaging = new DeviceStaging(this, ordinal, stagingMemory, context);
        }
        try
        {
            deviceStaging.allReduce(data, type, op);
        }
        catch (final RuntimeException ex)
        {
            // slots' collectives may still be in flight, and the job's other workers may have issued more of them
            stagingFailure = ex.getMessage();
            throw ex;
        }
        return data;
    }

    /** @return the times of the last device AllReduce's staging: how much of the copies the collectives hid. */
    public synchronized StagedPipeline.Timeline stagingTimeline()
    {
        if (deviceStaging == null)
        {
            throw new IllegalStateException("no device tensor was reduced through this communicator yet");
        }
        return deviceStaging.pipeline().timeline();
    }

    /**
     * AllReduce in place.
     *
     * @param data elements of {@code type}; overwritten with the result.
     * @param type their type.
     * @param op   the operator.
     * @return completes with {@code data} once it holds the result.
     */
    public CompletableFuture<MemorySegment> allReduce(final MemorySegment data, final DataType type, final ReduceOp op)
    {
        return submit(data, type, op, false, refusal(data, type));
    }

    /**
     * AllReduce of the elements that every worker brought, where each may bring a different number:
     * the aggregator, which sees every contribution, reduces the first k elements, k being the
     * shortest contribution, and says so with the result. Tensor fusion cuts its batches with it, so
     * that the workers need no collective of their own to agree on what a batch holds. One chunk, so
     * at most {@link #commonPrefixLimit()} bytes.
     *
     * @param data elements of {@code type}, this worker's contribution; its start is overwritten with the result.
     * @param type their type, the same on every worker.
     * @param op   the operator, the same on every worker.
     * @return completes with the start of {@code data} that holds the result, as long as the shortest contribution.
     */
    public CompletableFuture<MemorySegment> allReduceCommonPrefix(final MemorySegment data, final DataType type, final ReduceOp op)
    {
        return submit(data, type, op, true, data.byteSize() == 0 || data.byteSize() > commonPrefixLimit()
            ? "a common-prefix AllReduce takes 1 to " + commonPrefixLimit() + " bytes (one chunk); got " + data.byteSize()
            : refusal(data, type));
    }

    /** @return the most bytes {@link #allReduceCommonPrefix} takes: the job's chunk size. */
    public int commonPrefixLimit()
    {
        return context.chunkBytes();
    }

    /**
     * AllReduce in place, progressed on the calling thread until done, as MPI's blocking collectives
     * are: the caller starts its collective itself (when none is ahead of it), drives the transport
     * and finishes it, so nothing is handed to another thread on the way, and nothing is allocated.
     * The communicator's thread stands aside meanwhile and takes over again within a millisecond of
     * the caller's return. Bounded by the communicator's timeout, as every collective is.
     *
     * @param data elements of {@code type}; overwritten with the result.
     * @param type their type.
     * @param op   the operator.
     * @return {@code data}, holding the result.
     * @throws IllegalArgumentException for memory that cannot take the result.
     * @throws IllegalStateException    if the collective failed, saying why (a worker or aggregator gone, a timeout).
     */
    public MemorySegment allReduceBlocking(final MemorySegment data, final DataType type, final ReduceOp op)
    {
        final String refusal = refusal(data, type);
        if (refusal != null)
        {
            throw new IllegalArgumentException(refusal);
        }
        final String failure = agent.failure();
        if (failure != null)
        {
            throw new IllegalStateException(failure);
        }
        final BlockingCollective collective = callerCollective.get().reset(data, type, op);
        final IdleStrategy idle = callerIdle.get();
        idle.reset();
        progress.enter();
        try
        {
            if (!progress.startIfIdle(collective))
            {
                submitted.offer(collective);
            }
            while (!collective.isDone() && !progress.isClosed())
            {
                idle.idle(progress.drive());
            }
        }
        finally
        {
            progress.leave();
        }
        if (!collective.isDone())
        {
            throw new IllegalStateException("the communicator was closed");
        }
        if (collective.failure() != null)
        {
            throw new IllegalStateException(collective.failure());
        }
        return data;
    }

    private CompletableFuture<MemorySegment> submit(final MemorySegment data, final DataType type, final ReduceOp op,
        final boolean commonPrefix, final String refusal)
    {
        final CompletableFuture<MemorySegment> future = new CompletableFuture<>();
        final String failure = agent.failure();
        if (refusal != null)
        {
            future.completeExceptionally(new IllegalArgumentException(refusal));
        }
        else if (failure != null)
        {
            future.completeExceptionally(new IllegalStateException(failure));
        }
        else
        {
            submitted.offer(new FutureCollective(data, type, op, commonPrefix, future));
        }
        return future;
    }

    /** @return why a collective cannot take this memory, or null. */
    private String refusal(final MemorySegment data, final DataType type)
    {
        if (data.isReadOnly() || data.byteSize() % type.bytes() != 0)
        {
            return "allReduce needs writable memory holding whole " + type + " elements; got " + data.byteSize() + " bytes"
                + (data.isReadOnly() ? ", read-only" : "");
        }
        final Thread worker = runner.thread();
        if (worker != null && !data.isAccessibleBy(worker))
        {
            return "allReduce needs memory the communicator's thread can access: allocate it from a shared or automatic arena"
                + " (Arena.ofShared(), Arena.ofAuto()), not a confined one";
        }
        return null;
    }

    /**
     * AllReduce of fp32 in place.
     *
     * @param data the elements; overwritten with the result.
     * @param op   the operator.
     * @return completes with {@code data}.
     */
    public CompletableFuture<float[]> allReduce(final float[] data, final ReduceOp op)
    {
        return allReduce(MemorySegment.ofArray(data), DataType.FLOAT32, op).thenApply(ignored -> data);
    }

    /**
     * AllReduce in place of a buffer's remaining bytes.
     *
     * @param data a buffer; its remaining bytes are overwritten with the result.
     * @param type the element type.
     * @param op   the operator.
     * @return completes with {@code data}.
     */
    public CompletableFuture<ByteBuffer> allReduce(final ByteBuffer data, final DataType type, final ReduceOp op)
    {
        return allReduce(MemorySegment.ofBuffer(data), type, op).thenApply(ignored -> data);
    }

    /** Stops the worker thread (pending collectives fail) and leaves the job. */
    @Override
    public void close()
    {
        try
        {
            runner.close(); // fails pending collectives, so a device AllReduce in progress returns and lets go of the monitor
        }
        finally
        {
            try
            {
                synchronized (this)
                {
                    if (deviceStaging != null)
                    {
                        deviceStaging.close();
                        deviceStaging = null;
                    }
                }
            }
            finally
            {
                fabric.close();
            }
        }
    }
}
