package io.fusewire.fusion.worker;

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
 */
public final class WorkerAgent implements Agent
{
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
    private final long[] slotChunk;
    private final int[] slotImmediate;
    private final boolean[] slotWritten;
    private final boolean[] slotAnswered;
    private final int[] slotLength;
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
        final boolean traced)
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
        slotChunk = new long[count * layout.window()];
        slotImmediate = new int[count * layout.window()];
        slotWritten = new boolean[count * layout.window()];
        slotAnswered = new boolean[count * layout.window()];
        slotLength = new int[count * layout.window()];
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

    /** @return why this worker can do no more collectives, or null. */
    public String failure()
    {
        return failure;
    }

    @Override
    public int doWork()
    {
        int work = queue.poll(onCompletion, 256);
        if (current == null)
        {
            final Collective next = submitted.poll();
            if (next == null)
            {
                return work;
            }
            start(next);
            work++;
        }
        if (current != null)
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
            if (work == 0 && System.nanoTime() - lastProgressNs > timeoutNs)
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
        final long bytes = c.data().byteSize();
        final int op = c.op().code() | (c.isCommonPrefix() ? ChunkImmediate.PREFIX : 0);
        for (int a = 0; a < aggregators.length && current != null; a++)
        {
            if (beginPending[a])
            {
                ControlMessages.putBegin(begin, c.type().code(), op, sequence, bytes / c.type().bytes());
                if (aggregators[a].send(begin, 0, ControlMessages.BEGIN_LENGTH, -1) != PostResult.OK)
                {
                    continue;
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
                final int index = a * layout.window() + slot;
                final int result = aggregators[a].write(from, at, length, inboxes[a], layout.inboxOffset(slot, rank), immediate, index);
                if (result == PostResult.BACK_PRESSURED)
                {
                    break;
                }
                if (result != PostResult.OK)
                {
                    failAll("aggregator " + a + " (" + aggregators[a].peer() + ") refused a chunk write: " + PostResult.name(result));
                    return posted;
                }
                final AtomicLong path = from == source ? chunksInPlace : chunksCopied;
                path.lazySet(path.get() + 1); // this thread is the only writer
                if (trace != null)
                {
                    trace.posted(index, System.nanoTime());
                }
                slotChunk[index] = chunk;
                slotLength[index] = length;
                slotImmediate[index] = immediate;
                slotWritten[index] = false;
                slotAnswered[index] = false;
                stream[a]++;
                inFlight[a]++;
                nextChunk[a] += aggregators.length;
                posted++;
            }
        }
        return posted;
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
            case Opcode.RECV -> failAll("aggregator " + a + " (" + aggregators[a].peer() + ") failed the job: "
                + (ControlMessages.type(completion.message()) == ControlMessages.ERROR
                ? ControlMessages.errorReason(completion.message())
                : "unknown control message of type " + ControlMessages.type(completion.message()) + ", " + completion.length() + " bytes"));
            case Opcode.DISCONNECTED -> failAll("aggregator " + a + " (" + aggregators[a].peer() + ") is gone: "
                + completion.describe());
            case Opcode.WRITE ->
            {
                if (completion.isSuccess())
                {
                    onWritten((int)completion.wrId());
                }
                else
                {
                    failAll("a write to aggregator " + a + " failed: " + completion.describe());
                }
            }
            default ->
            {
                if (!completion.isSuccess())
                {
                    failAll("a " + Opcode.name(completion.opcode()) + " to aggregator " + a + " failed: " + completion.describe());
                }
            }
        }
    }

    private void onResult(final int a, final int immediate, final int length)
    {
        final int at = a * layout.window() + ChunkImmediate.slot(immediate);
        if (current == null || ChunkImmediate.slot(immediate) >= layout.window() || slotImmediate[at] != immediate)
        {
            failAll("aggregator " + a + " answered slot " + ChunkImmediate.slot(immediate) + " generation "
                + ChunkImmediate.generation(immediate) + ", which has no chunk in flight");
            return;
        }
        if (mappedRegions != null && length != 0)
        {
            failAll("aggregator " + a + " wrote " + length + " bytes of a result to slot " + ChunkImmediate.slot(immediate)
                + " where results are read in place");
            return;
        }
        final int sent = slotLength[at];
        final int answered = mappedRegions == null ? length : current.isCommonPrefix()
            ? mappedRegions[a][SlotLayout.RESULTS].get(ValueLayout.JAVA_INT, layout.resultLengthOffset(ChunkImmediate.slot(immediate)))
            : sent;
        if (current.isCommonPrefix() ? answered <= 0 || answered > sent || answered % current.type().bytes() != 0 : answered != sent)
        {
            failAll("aggregator " + a + " answered slot " + ChunkImmediate.slot(immediate) + " with " + answered + " bytes where "
                + (current.isCommonPrefix() ? "1 to " : "") + sent + " were due");
            return;
        }
        slotLength[at] = answered;
        if (trace != null)
        {
            trace.answered(at, System.nanoTime());
        }
        slotImmediate[at] = 0;
        slotAnswered[at] = true;
        if (slotWritten[at])
        {
            release(at);
        }
    }

    private void onWritten(final int at)
    {
        slotWritten[at] = true;
        if (slotAnswered[at])
        {
            release(at);
        }
    }

    /** A slot whose chunk was written and answered: the result goes to the caller and the slot is free. */
    private void release(final int at)
    {
        if (current == null)
        {
            return;
        }
        final int a = at / layout.window();
        final int slot = at % layout.window();
        final int typeBytes = current.type().bytes();
        try
        {
            if (mappedRegions != null)
            {
                MemorySegment.copy(mappedRegions[a][SlotLayout.resultRegion(typeBytes)], layout.resultOffset(slot, typeBytes),
                    current.data(), slotChunk[at] * chunkBytes, slotLength[at]);
            }
            else
            {
                MemorySegment.copy(resultWindow.segment(), layout.windowOffset(a, slot), current.data(),
                    slotChunk[at] * chunkBytes, slotLength[at]);
            }
        }
        catch (final RuntimeException ex)
        {
            failCurrent("collective " + sequence + " could not write its result: " + ex);
            return;
        }
        if (current.isCommonPrefix())
        {
            current.reduced(slotLength[at]);
        }
        inFlight[a]--;
        lastProgressNs = System.nanoTime();
        if (++done == chunks)
        {
            finish();
        }
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
