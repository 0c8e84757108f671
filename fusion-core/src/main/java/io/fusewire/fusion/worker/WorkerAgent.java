package io.fusewire.fusion.worker;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.protocol.ChunkImmediate;
import io.fusewire.fusion.protocol.ChunkPlan;
import io.fusewire.fusion.protocol.ControlMessages;
import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.RemoteRegion;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A worker's side of the aggregation protocol, one collective at a time, cut into chunks as
 * {@link ChunkPlan} says. Chunk i of a collective goes to aggregator i mod A: copied into the send window at that aggregator's next slot (or, from
 * tensor memory allocated registered, {@code Communicator.allocate}, not copied at all) and
 * written into the worker's area of that slot on the aggregator. When the slot's sum is ready the
 * aggregator writes it into the result window, or, where the transport maps the aggregator's
 * memory into this process (shm), says so with a write of no bytes and the result is read where
 * it lies ({@link SlotLayout#resultRegion}). Once the chunk's own write has completed too (its
 * source, the send window or the tensor the result is copied into, must not change before that),
 * the result is copied to the caller's memory and the slot is free for the next chunk
 * (self-clocking: at most W chunks in flight per aggregator; the next chunk in a slot tells the
 * aggregator this worker has read the slot's last result). A common-prefix collective is one chunk
 * whose result may be shorter than what this worker sent: the written result's length, or the
 * length the aggregator left in its table where results are read in place. See {@link SlotLayout}.
 *
 * <p>Failover: when an aggregator's connection ends (its process died, or it went silent past the
 * transport's peer timeout), its chunks go to the aggregator {@link Takeovers} names for the
 * failover's epoch, as a job of their own that every worker joins. Each worker stages, from the
 * moment it learnt of the failure, the last result it had in each of the failed aggregator's slots
 * and the contributions it had written without a result back, says where its first missing
 * result is (RESUME), and from the least such position of all workers (RESUMED) resends each
 * position: the result if it had one ({@link ChunkImmediate#FINAL}), its contribution otherwise.
 * Results are kept until every worker has them (a slot is reused only after all workers read its
 * result), so whatever one worker lacks another still holds. Collectives on the other aggregators go
 * on meanwhile.
 */
public final class WorkerAgent implements Agent
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.fusion");
    private final int rank;
    private final SlotLayout layout;
    private final Connection[] aggregators;
    private final RemoteRegion[] inboxes;
    /** Per aggregator, its regions as mapped into this process (index as in SlotLayout), or null: results are written to us. */
    private final MemorySegment[][] mappedRegions;
    private final Object2IntHashMap<Connection> indexOf = new Object2IntHashMap<>(-1);
    private final CompletionQueue queue;
    private final MemoryRegion sendWindow;
    private final MemoryRegion resultWindow;
    private final Queue<Collective> submitted;
    private final List<MemoryRegion> registered;
    private MemoryRegion source;
    private long sourceOffset;
    private final long timeoutNs;
    private final long[] stream;
    private final int[] inFlight;
    private final long[] nextChunk;
    private final boolean[] beginPending;
    private final ChunkSlots slots;
    /** The BEGIN of the last two collectives, by sequence parity: a failover may resend the previous one's results. */
    private final long[] begunSequence = {-1, -1};
    private final long[] begunCount = new long[2];
    private final int[] begunType = new int[2];
    private final int[] begunOp = new int[2];
    private final Takeovers takeovers;
    /** Per aggregator: its failovers so far; the one under way, or null; what is still to be resent after it, or null. */
    private final int[] epoch;
    private final Takeover[] takeover;
    private final Replay[] replay;
    private final List<FailoverEvent> failovers = new CopyOnWriteArrayList<>();
    private final UnsafeBuffer resume = new UnsafeBuffer(new byte[ControlMessages.RESUME_LENGTH]);
    private final UnsafeBuffer begin = new UnsafeBuffer(new byte[ControlMessages.BEGIN_LENGTH]);
    private final CompletionHandler onCompletion = this::onCompletion;
    private final PhaseTrace trace;
    private Collective current;
    private long sequence;
    private int chunkBytes;
    private long chunks;
    private long done;
    private long lastProgressNs;
    private volatile String failure;
    private final AtomicLong chunksInPlace = new AtomicLong();
    private final AtomicLong chunksCopied = new AtomicLong();

    /**
     * @param rank         this worker.
     * @param layout       the job's layout.
     * @param aggregators  a connection per aggregator, in the job's order.
     * @param queue        their completion queue.
     * @param sendWindow   registered, {@link SlotLayout#windowBytes()} long.
     * @param resultWindow registered and exposed to the aggregators, as long.
     * @param submitted    where callers put collectives (a concurrent queue).
     * @param registered   tensor memory the caller allocated registered; chunks in it are written in place.
     * @param timeoutMs    bound on a collective making no progress.
     * @param traced       whether to time each collective's phases ({@link #trace()}).
     * @param takeovers    where a failed aggregator's chunks go, or null: a failed aggregator fails the job.
     */
    public WorkerAgent(
        final int rank,
        final SlotLayout layout,
        final Connection[] aggregators,
        final CompletionQueue queue,
        final MemoryRegion sendWindow,
        final MemoryRegion resultWindow,
        final Queue<Collective> submitted,
        final List<MemoryRegion> registered,
        final long timeoutMs,
        final boolean traced,
        final Takeovers takeovers)
    {
        this.rank = rank;
        this.layout = layout;
        this.aggregators = aggregators.clone();
        this.queue = queue;
        this.sendWindow = sendWindow;
        this.resultWindow = resultWindow;
        this.submitted = submitted;
        this.registered = registered;
        this.timeoutNs = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        final int count = aggregators.length;
        inboxes = new RemoteRegion[count];
        final MemorySegment[][] mapped = new MemorySegment[count][];
        boolean allMapped = true;
        for (int a = 0; a < count; a++)
        {
            final List<RemoteRegion> regions = aggregators[a].remoteRegions();
            inboxes[a] = regions.get(SlotLayout.INBOX);
            indexOf.put(aggregators[a], a);
            mapped[a] = regions.stream().map(aggregators[a]::mapped).toArray(MemorySegment[]::new);
            allMapped &= regions.size() > SlotLayout.RESULTS && mapped[a][SlotLayout.ACCUMULATORS] != null
                && mapped[a][SlotLayout.RESULTS] != null;
        }
        mappedRegions = allMapped ? mapped : null;
        stream = new long[count];
        inFlight = new int[count];
        nextChunk = new long[count];
        beginPending = new boolean[count];
        slots = new ChunkSlots(count * layout.window());
        this.takeovers = takeovers;
        epoch = new int[count];
        takeover = new Takeover[count];
        replay = new Replay[count];
        trace = traced ? new PhaseTrace(count * layout.window()) : null;
    }

    @Override
    public String roleName()
    {
        return "fusewire-worker-" + rank;
    }

    /** @return chunks written straight from registered tensor memory, with no copy (readable from any thread). */
    public long chunksInPlace()
    {
        return chunksInPlace.get();
    }

    /** @return chunks copied into the send window first, from memory that was not registered (readable from any thread). */
    public long chunksCopied()
    {
        return chunksCopied.get();
    }

    /** @return the phase times of this worker's collectives, or null unless traced. */
    public PhaseTrace trace()
    {
        return trace;
    }

    /** @return whether results are read where they lie on the aggregators (their memory is mapped into this process). */
    public boolean readsResultsInPlace()
    {
        return mappedRegions != null;
    }

    /** @return the failovers this worker went through, oldest first (readable from any thread). */
    public List<FailoverEvent> failovers()
    {
        return List.copyOf(failovers);
    }

    /** @return why this worker can do no more collectives, or null. */
    public String failure()
    {
        return failure;
    }

    @Override
    public int doWork()
    {
        int work = queue.poll(onCompletion, 256);
        work += progressFailovers();
        if (current == null)
        {
            final Collective next = submitted.poll();
            if (next != null)
            {
                start(next);
                work++;
            }
        }
        if (current != null || replaying())
        {
            try
            {
                work += post();
            }
            catch (final RuntimeException ex)
            {
                failCurrent("collective " + sequence + " could not read or write its memory: " + ex);
                return work;
            }
            if (current != null && work == 0 && System.nanoTime() - lastProgressNs > timeoutNs)
            {
                failAll("collective " + sequence + " made no progress for " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms: "
                    + done + " of " + chunks + " chunk results back, in flight per aggregator " + Arrays.toString(inFlight));
            }
        }
        return work;
    }

    /**
     * Starts a collective at once if none is in flight or waiting, so that it crosses no queue;
     * call only on the thread that progresses this agent.
     *
     * @return false if others are ahead of it: submit it then.
     */
    public boolean startIfIdle(final Collective collective)
    {
        if (current != null || !submitted.isEmpty())
        {
            return false;
        }
        start(collective);
        return true;
    }

    @Override
    public void onClose()
    {
        failAll("the communicator was closed");
        for (final Takeover underway : takeover)
        {
            if (underway != null)
            {
                underway.abandon();
            }
        }
        queue.close();
    }

    private void start(final Collective collective)
    {
        if (failure != null)
        {
            collective.fail(failure);
            return;
        }
        current = collective;
        sequence++;
        final int parity = (int)(sequence & 1);
        begunSequence[parity] = sequence;
        begunCount[parity] = collective.data().byteSize() / collective.type().bytes();
        begunType[parity] = collective.type().code();
        begunOp[parity] = collective.op().code() | (collective.isCommonPrefix() ? ChunkImmediate.PREFIX : 0);
        source = null;
        final long address = collective.data().address();
        for (int r = 0; r < registered.size(); r++) // indexed: no iterator per collective
        {
            final MemoryRegion region = registered.get(r);
            final long base = region.segment().address();
            if (collective.data().isNative() && address >= base && address + collective.data().byteSize() <= base + region.length())
            {
                source = region;
                sourceOffset = address - base;
            }
        }
        final long bytes = collective.data().byteSize();
        chunkBytes = collective.isCommonPrefix() ? layout.chunkBytes() : ChunkPlan.chunkBytes(bytes, layout.chunkBytes());
        chunks = (bytes + chunkBytes - 1) / chunkBytes;
        done = 0;
        lastProgressNs = System.nanoTime();
        if (trace != null)
        {
            trace.started(collective.submittedNs(), lastProgressNs);
        }
        for (int a = 0; a < aggregators.length; a++)
        {
            nextChunk[a] = a;
            beginPending[a] = a < chunks;
        }
        if (chunks == 0)
        {
            finish();
        }
    }

    private int post()
    {
        int posted = 0;
        final Collective c = current;
        final long bytes = c == null ? 0 : c.data().byteSize();
        final int op = c == null ? 0 : c.op().code() | (c.isCommonPrefix() ? ChunkImmediate.PREFIX : 0);
        for (int a = 0; a < aggregators.length && failure == null; a++)
        {
            if (takeover[a] != null)
            {
                continue; // failing over: nothing goes to this aggregator until the takeover says where to resume
            }
            if (replay[a] != null)
            {
                posted += postReplay(a);
                if (replay[a] != null)
                {
                    continue;
                }
            }
            if (c == null || current != c)
            {
                continue;
            }
            if (beginPending[a])
            {
                if (inFlight[a] > 0 || !sendBegin(a, sequence))
                {
                    continue; // after a failover, the previous collective's resent chunks go first
                }
                beginPending[a] = false;
            }
            while (inFlight[a] < layout.window() && nextChunk[a] < chunks)
            {
                final long chunk = nextChunk[a];
                final int slot = (int)(stream[a] % layout.window());
                final long start = chunk * chunkBytes;
                final int length = (int)Math.min(chunkBytes, bytes - start);
                final MemoryRegion from;
                final long at;
                if (source != null)
                {
                    from = source;
                    at = sourceOffset + start;
                }
                else
                {
                    from = sendWindow;
                    at = layout.windowOffset(a, slot);
                    MemorySegment.copy(c.data(), start, sendWindow.segment(), at, length);
                }
                final int immediate = ChunkImmediate.encode(slot, (int)(stream[a] / layout.window()), c.type().code(), op);
                final int result = write(a, from, at, length, immediate, chunk, sequence);
                if (result == PostResult.BACK_PRESSURED)
                {
                    break;
                }
                if (result != PostResult.OK)
                {
                    return posted;
                }
                final AtomicLong path = from == source ? chunksInPlace : chunksCopied;
                path.lazySet(path.get() + 1); // this thread is the only writer
                nextChunk[a] += aggregators.length;
                posted++;
            }
        }
        return posted;
    }

    /** Resends a failed aggregator's chunks to the one that took over, in stream order, one collective at a time. */
    private int postReplay(final int a)
    {
        final Replay items = replay[a];
        int posted = 0;
        while (items.hasNext() && inFlight[a] < layout.window())
        {
            if (items.sequence() != items.lastSequence())
            {
                if (inFlight[a] > 0 || !sendBegin(a, items.sequence()))
                {
                    return posted; // a collective's BEGIN goes after the previous one's chunks are answered, as without a failover
                }
            }
            final int slot = (int)(stream[a] % layout.window());
            final int immediate = ChunkImmediate.encode(slot, (int)(stream[a] / layout.window()), 0, 0)
                | items.immediate() & (ChunkImmediate.FINAL | 0xFF << 24);
            final int result = write(a, items.staging(), items.offset(), items.length(), immediate, items.chunk(), items.sequence());
            if (result != PostResult.OK)
            {
                return posted;
            }
            items.advance();
            posted++;
        }
        if (!items.hasNext())
        {
            replay[a] = null;
        }
        return posted;
    }

    private boolean sendBegin(final int a, final long ofSequence)
    {
        final int parity = (int)(ofSequence & 1);
        if (begunSequence[parity] != ofSequence)
        {
            failAll("collective " + ofSequence + " is no longer known to this worker: cannot resend its chunks");
            return false;
        }
        ControlMessages.putBegin(begin, begunType[parity], begunOp[parity], ofSequence, begunCount[parity]);
        return aggregators[a].send(begin, 0, ControlMessages.BEGIN_LENGTH, -1) == PostResult.OK;
    }

    /**
     * Writes a chunk into aggregator a's next slot and records it there.
     *
     * @param chunk the chunk of the current collective, or -1 for a result resent after a failover.
     * @return the post's result; the job failed unless OK or BACK_PRESSURED.
     */
    private int write(final int a, final MemoryRegion from, final long at, final int length, final int immediate, final long chunk,
        final long ofSequence)
    {
        final int slot = (int)(stream[a] % layout.window());
        final int index = a * layout.window() + slot;
        final int result = aggregators[a].write(from, at, length, inboxes[a], layout.inboxOffset(slot, rank), immediate, index);
        if (result == PostResult.BACK_PRESSURED)
        {
            return result;
        }
        if (result != PostResult.OK)
        {
            failAll("aggregator " + a + " (" + aggregators[a].peer() + ") refused a chunk write: " + PostResult.name(result));
            return result;
        }
        if (trace != null)
        {
            trace.posted(index, System.nanoTime());
        }
        // the result's immediate names the use, not the kind
        slots.posted(index, chunk, length, immediate & ~ChunkImmediate.FINAL, stream[a], ofSequence, from, at);
        stream[a]++;
        inFlight[a]++;
        return result;
    }

    private boolean replaying()
    {
        for (int a = 0; a < aggregators.length; a++)
        {
            if (replay[a] != null || takeover[a] != null)
            {
                return true;
            }
        }
        return false;
    }

    private void onCompletion(final Completion completion)
    {
        final int a = indexOf.getValue(completion.connection());
        if (a < 0)
        {
            return;
        }
        switch (completion.opcode())
        {
            case Opcode.WRITE_IMM -> onResult(a, completion.immediate(), completion.length());
            case Opcode.RECV -> onMessage(a, completion);
            case Opcode.DISCONNECTED -> failover(a, completion.describe());
            case Opcode.WRITE ->
            {
                if (completion.isSuccess())
                {
                    onWritten((int)completion.wrId());
                }
                else if (completion.connection().isConnected())
                {
                    failAll("a write to aggregator " + a + " failed: " + completion.describe());
                }
            }
            default ->
            {
                if (!completion.isSuccess() && completion.connection().isConnected())
                {
                    failAll("a " + Opcode.name(completion.opcode()) + " to aggregator " + a + " failed: " + completion.describe());
                }
            }
        }
    }

    private void onMessage(final int a, final Completion completion)
    {
        final var message = completion.message();
        final int type = ControlMessages.type(message);
        if (type == ControlMessages.RESUMED && takeover[a] != null && completion.length() >= ControlMessages.RESUME_LENGTH)
        {
            onResumed(a, ControlMessages.resumePosition(message));
            return;
        }
        failAll("aggregator " + a + " (" + aggregators[a].peer() + ") failed the job: " + (type == ControlMessages.ERROR
            ? ControlMessages.errorReason(message)
            : "unknown control message of type " + type + ", " + completion.length() + " bytes"));
    }

    private void onResult(final int a, final int immediate, final int length)
    {
        final int slot = ChunkImmediate.slot(immediate);
        final int at = a * layout.window() + slot;
        if (slot >= layout.window() || !slots.busy[at] || slots.answered[at] || slots.immediate[at] != immediate)
        {
            failAll("aggregator " + a + " answered slot " + slot + " generation " + ChunkImmediate.generation(immediate)
                + ", which has no chunk in flight");
            return;
        }
        if (mappedRegions != null && length != 0)
        {
            failAll("aggregator " + a + " wrote " + length + " bytes of a result to slot " + slot + " where results are read in place");
            return;
        }
        final boolean prefix = ChunkImmediate.isPrefix(immediate);
        final int typeBytes = DataType.ofCode(ChunkImmediate.dtype(immediate)).bytes();
        final int sent = slots.length[at];
        final int answered = mappedRegions == null ? length : prefix
            ? mappedRegions[a][SlotLayout.RESULTS].get(ValueLayout.JAVA_INT, layout.resultLengthOffset(slot))
            : sent;
        if (prefix ? answered <= 0 || answered > sent || answered % typeBytes != 0 : answered != sent)
        {
            failAll("aggregator " + a + " answered slot " + slot + " with " + answered + " bytes where "
                + (prefix ? "1 to " : "") + sent + " were due");
            return;
        }
        slots.answered(at, answered, immediate);
        if (trace != null)
        {
            trace.answered(at, System.nanoTime());
        }
        if (slots.written[at])
        {
            release(at);
        }
    }

    private void onWritten(final int at)
    {
        if (at < 0 || at >= slots.busy.length || !slots.busy[at])
        {
            return; // a slot given up in a failover
        }
        slots.written[at] = true;
        if (slots.answered[at])
        {
            release(at);
        }
    }

    /** A slot whose chunk was written and answered: the result goes to the caller (unless it was a resent result) and the slot is free. */
    private void release(final int at)
    {
        final int a = at / layout.window();
        final int slot = at % layout.window();
        final long chunk = slots.chunk[at];
        if (chunk >= 0)
        {
            if (current == null)
            {
                return;
            }
            final int typeBytes = current.type().bytes();
            try
            {
                if (mappedRegions != null)
                {
                    MemorySegment.copy(mappedRegions[a][SlotLayout.resultRegion(typeBytes)], layout.resultOffset(slot, typeBytes),
                        current.data(), chunk * chunkBytes, slots.length[at]);
                }
                else
                {
                    MemorySegment.copy(resultWindow.segment(), layout.windowOffset(a, slot), current.data(), chunk * chunkBytes,
                        slots.length[at]);
                }
            }
            catch (final RuntimeException ex)
            {
                failCurrent("collective " + sequence + " could not write its result: " + ex);
                return;
            }
            if (current.isCommonPrefix())
            {
                current.reduced(slots.length[at]);
            }
        }
        slots.released(at);
        inFlight[a]--;
        lastProgressNs = System.nanoTime();
        if (chunk >= 0 && ++done == chunks)
        {
            finish();
        }
    }

    /**
     * Aggregator a's connection ended. Called while its DISCONNECTED is handled, when what it mapped
     * is still readable: the results held there and the contributions not yet answered are staged,
     * and the takeover is dialled.
     */
    private void failover(final int a, final String reason)
    {
        final String peer = aggregators[a].peer();
        indexOf.remove(aggregators[a]);
        if (failure != null)
        {
            return;
        }
        final String lost = "aggregator " + a + " (" + peer + ") is gone: " + reason;
        if (takeovers == null || takeover[a] != null || replay[a] != null)
        {
            failAll(lost);
            return;
        }
        final int window = layout.window();
        for (int slot = 0; slot < window; slot++)
        {
            final int at = a * window + slot;
            if (slots.busy[at] && slots.answered[at])
            {
                release(at); // the result is in; only its write's completion was missing
            }
        }
        if (failure != null)
        {
            return;
        }
        final Replay items = new Replay(takeovers.staging(2L * window * layout.chunkBytes()), 2 * window, layout.chunkBytes());
        long lacking = stream[a];
        for (int slot = 0; slot < window; slot++)
        {
            final int at = a * window + slot;
            if (slots.heldStream[at] >= 0 && !stageHeld(items, a, slot))
            {
                failAll(lost + "; more chunks to resend than two windows");
                return;
            }
            if (slots.busy[at])
            {
                lacking = Math.min(lacking, slots.stream[at]);
                if (!items.stage(slots.stream[at], slots.from[at].segment(), slots.fromOffset[at], slots.length[at],
                    slots.immediate[at] | (slots.chunk[at] < 0 ? ChunkImmediate.FINAL : 0), slots.chunk[at], slots.sequence[at]))
                {
                    failAll(lost + "; more chunks to resend than two windows");
                    return;
                }
            }
            slots.forgotten(at);
        }
        inFlight[a] = 0;
        takeover[a] = new Takeover(a, peer, reason, lacking, stream[a], items);
        dial(a);
    }

    /** Stages the last result aggregator a gave in a slot, from where it lies: the result window, or a's memory. */
    private boolean stageHeld(final Replay items, final int a, final int slot)
    {
        final int at = a * layout.window() + slot;
        final int immediate = slots.heldImmediate[at] | ChunkImmediate.FINAL;
        if (mappedRegions == null)
        {
            return items.stage(slots.heldStream[at], resultWindow.segment(), layout.windowOffset(a, slot), slots.heldLength[at],
                immediate, -1, slots.heldSequence[at]);
        }
        final int typeBytes = DataType.ofCode(ChunkImmediate.dtype(slots.heldImmediate[at])).bytes();
        return items.stage(slots.heldStream[at], mappedRegions[a][SlotLayout.resultRegion(typeBytes)], layout.resultOffset(slot, typeBytes),
            slots.heldLength[at], immediate, -1, slots.heldSequence[at]);
    }

    /** Dials the takeover for aggregator a's next epoch; fails the job when none is left. */
    private void dial(final int a)
    {
        final Takeover underway = takeover[a];
        if (!underway.dial(takeovers, ++epoch[a]))
        {
            failAll(underway.describe() + "; no aggregator is left to take over its chunks (" + (epoch[a] - 1) + " tried; add standbys)");
            return;
        }
        LOG.log(System.Logger.Level.WARNING, underway.describe() + "; " + takeovers.address(a, epoch[a]) + " takes over its chunks (epoch "
            + epoch[a] + ")");
    }

    /** Picks up dialled takeovers: says where this worker stands (RESUME), or dials the next candidate; bounds the wait for RESUMED. */
    private int progressFailovers()
    {
        int work = 0;
        for (int a = 0; a < aggregators.length && failure == null; a++)
        {
            final Takeover underway = takeover[a];
            if (underway == null)
            {
                continue;
            }
            final CompletableFuture<Connection> dial = underway.dialled();
            if (dial != null)
            {
                work++;
                if (dial.isCompletedExceptionally())
                {
                    LOG.log(System.Logger.Level.WARNING, "aggregator " + a + "'s takeover (epoch " + epoch[a] + ") could not be joined: "
                        + dial.exceptionNow().getMessage());
                    dial(a);
                    continue;
                }
                adopt(a, dial.resultNow());
            }
            final long position = underway.resumeDue();
            if (position >= 0)
            {
                ControlMessages.putResume(resume, ControlMessages.RESUME, position);
                if (aggregators[a].send(resume, 0, ControlMessages.RESUME_LENGTH, -1) == PostResult.OK)
                {
                    underway.resumeSent();
                    work++;
                }
            }
            final String overdue = underway.overdue(System.nanoTime(), timeoutNs);
            if (overdue != null)
            {
                failAll(overdue);
            }
        }
        return work;
    }

    /** The takeover's connection is up: it replaces the failed aggregator's. */
    private void adopt(final int a, final Connection connection)
    {
        final List<RemoteRegion> regions = connection.remoteRegions();
        if (mappedRegions != null)
        {
            final MemorySegment[] mapped = regions.stream().map(connection::mapped).toArray(MemorySegment[]::new);
            if (regions.size() <= SlotLayout.RESULTS || mapped[SlotLayout.ACCUMULATORS] == null || mapped[SlotLayout.RESULTS] == null)
            {
                connection.close();
                failAll("aggregator " + a + "'s takeover " + connection.peer()
                    + " does not share this host's memory as the failed one did");
                return;
            }
            mappedRegions[a] = mapped;
        }
        aggregators[a] = connection;
        inboxes[a] = regions.get(SlotLayout.INBOX);
        indexOf.put(connection, a);
        takeover[a].joined();
    }

    /** Every worker said where it stands: resend from the least position, renumbered from 0 in the takeover's stream. */
    private void onResumed(final int a, final long from)
    {
        final Takeover done = takeover[a];
        takeover[a] = null;
        final String missing = done.missingFrom(from);
        if (missing != null)
        {
            failAll("aggregator " + a + "'s takeover cannot resume at position " + from + ": " + missing);
            return;
        }
        final FailoverEvent event = done.resumedAt(from);
        final Replay items = done.replay();
        stream[a] = 0;
        beginPending[a] = current != null && nextChunk[a] < chunks && !items.includes(sequence);
        replay[a] = items.hasNext() ? items : null;
        lastProgressNs = System.nanoTime();
        failovers.add(event);
        LOG.log(System.Logger.Level.WARNING, event.toString());
    }

    private void finish()
    {
        final Collective c = current;
        current = null;
        if (trace != null)
        {
            trace.finished(System.nanoTime());
        }
        c.complete();
    }

    private void failCurrent(final String reason)
    {
        final Collective c = current;
        current = null;
        c.fail(reason);
        failAll("the job cannot go on after a collective was abandoned half-way: " + reason);
    }

    private void failAll(final String reason)
    {
        if (failure == null)
        {
            failure = reason;
        }
        if (current != null)
        {
            current.fail(failure);
            current = null;
        }
        Collective waiting;
        while ((waiting = submitted.poll()) != null)
        {
            waiting.fail(failure);
        }
    }
}
