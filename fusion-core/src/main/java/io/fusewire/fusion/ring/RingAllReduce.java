package io.fusewire.fusion.ring;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.reduce.Reducer;
import io.fusewire.fusion.reduce.Reducers;
import io.fusewire.transport.IdleStrategies;
import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.Listener;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.TransportContext;
import java.lang.foreign.MemorySegment;
import io.fusewire.topology.store.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The ring AllReduce baseline over the same Fabric as the aggregators: reduce-scatter then
 * all-gather, 2(N-1) steps, each worker writing one segment per step into its successor's
 * receive buffer with write-with-immediate (immediate = step, counted across collectives). The
 * receive buffer has two slots used in turn; a worker writes step t only after its successor sent
 * a credit for step t-2, once it had folded that step in. A segment of the work buffer is changed
 * only once the writes that read it have completed (the source of a write must stay unchanged until
 * its completion: tcp gathers it from the buffer when the socket has room, a NIC reads it by DMA),
 * so each step waits for the previous step's write and a collective for all of the last one's.
 * Runs on the caller's thread; 32-bit types only.
 *
 * <pre>
 *   step t &lt; N-1 (reduce-scatter): send segment (r - t) mod N, fold in segment (r - t - 1) mod N
 *   step t &gt;= N-1 (all-gather):    send segment (r + 1 - u) mod N, take segment (r - u) mod N, u = t - (N-1)
 * </pre>
 */
public final class RingAllReduce implements AutoCloseable
{
    private static final int SLOTS = 2;
    private static final int CREDIT = 0;
    private static final int SEGMENT = 1;
    private static final int CREDIT_SENT = 2;
    private static final int WRITES_SETTLED = 3;
    private static final int EARLIER_WRITES_SETTLED = 4;

    private final int rank;
    private final int size;
    private final long maxBytes;
    private final long timeoutNs;
    private final Fabric fabric;
    private final CompletionQueue queue;
    private final MemoryRegion work;
    private final MemoryRegion inbox;
    private final Connection toNext;
    private final Connection fromPrevious;
    private final UnsafeBuffer credit = new UnsafeBuffer(new byte[4]);
    private final IdleStrategy idle = IdleStrategies.sharedCore();
    private final CompletionHandler onCompletion = this::onCompletion;
    private final long slotBytes;
    private final int[] arrivedStep = {-1, -1};
    private final int[] arrivedLength = new int[SLOTS];
    private int credits = SLOTS;
    private long writesPosted;
    private long writesCompleted;
    private boolean nextClosed;
    private boolean previousClosed;
    private int steps;
    private String failure;

    /**
     * Joins the ring at fixed addresses: listens at this rank's and connects to the next rank's.
     *
     * @param transport shm, tcp or verbs.
     * @param context   the transport's configuration.
     * @param addresses every rank's host:port, in rank order.
     * @param rank      this rank.
     * @param maxBytes  the largest collective.
     * @param timeoutMs bound on connecting and on each collective.
     */
    public RingAllReduce(final String transport, final TransportContext context, final List<String> addresses, final int rank,
        final long maxBytes, final long timeoutMs)
    {
        this(transport, context, rank, addresses.size(), addresses.get(rank), ignored -> addresses.get((rank + 1) % addresses.size()),
            maxBytes, timeoutMs);
    }

    /**
     * Joins the ring through a rendezvous store: listens on any port of {@code host}, publishes the
     * address under {@code prefix/ring/rank} and connects to the address the next rank published.
     *
     * @param transport shm, tcp or verbs.
     * @param context   the transport's configuration.
     * @param store     the job's store.
     * @param prefix    the job's keys start with this.
     * @param rank      this rank.
     * @param size      ranks in the ring.
     * @param host      this host's address for the others.
     * @param maxBytes  the largest collective.
     * @param timeoutMs bound on the rendezvous, connecting and each collective.
     * @return the ring, joined.
     */
    public static RingAllReduce join(final String transport, final TransportContext context, final Store store, final String prefix,
        final int rank, final int size, final String host, final long maxBytes, final long timeoutMs)
    {
        return new RingAllReduce(transport, context, rank, size, host + ":0", listening ->
        {
            store.set(prefix + "/ring/" + rank, listening.getBytes(StandardCharsets.UTF_8));
            try
            {
                return new String(store.get(prefix + "/ring/" + (rank + 1) % size, Duration.ofMillis(timeoutMs)), StandardCharsets.UTF_8);
            }
            catch (final TimeoutException ex)
            {
                throw new IllegalStateException("rank " + (rank + 1) % size + " did not join the ring: " + ex.getMessage(), ex);
            }
        }, maxBytes, timeoutMs);
    }

    private RingAllReduce(final String transport, final TransportContext context, final int rank, final int size,
        final String listenAt, final UnaryOperator<String> nextAddress, final long maxBytes, final long timeoutMs)
    {
        this.rank = rank;
        this.size = size;
        this.maxBytes = maxBytes;
        this.timeoutNs = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        this.slotBytes = (maxBytes / size + 64) & ~7L;
        fabric = Fabric.open(transport, context);
        try
        {
            final Device device = fabric.openDefaultDevice();
            queue = device.createCompletionQueue();
            work = device.allocate(maxBytes);
            inbox = device.allocate(SLOTS * slotBytes);
            try (Listener listener = device.listen(listenAt, List.of(inbox), queue))
            {
                toNext = device.connect(nextAddress.apply(listener.address()), List.of(), queue);
                fromPrevious = listener.accept(Duration.ofNanos(timeoutNs));
            }
        }
        catch (final RuntimeException ex)
        {
            fabric.close();
            throw ex;
        }
    }

    /**
     * AllReduce in place; returns when done.
     *
     * @param data elements of a 32-bit type; overwritten with the result.
     * @param type FLOAT32 or INT32.
     * @param op   the operator.
     * @throws TimeoutException if a step waits longer than the timeout.
     */
    public void allReduce(final MemorySegment data, final DataType type, final ReduceOp op) throws TimeoutException
    {
        if (type.bytes() != 4 || data.byteSize() > maxBytes || data.byteSize() % 4 != 0)
        {
            throw new IllegalArgumentException("the ring baseline takes 32-bit types up to " + maxBytes + " bytes; got "
                + data.byteSize() + " bytes of " + type);
        }
        if (size == 1)
        {
            return;
        }
        final long elements = data.byteSize() / 4;
        final Reducer reducer = Reducers.of(type, op);
        await(WRITES_SETTLED, steps, 0);
        MemorySegment.copy(data, 0, work.segment(), 0, data.byteSize());
        for (int t = 0; t < 2 * (size - 1); t++)
        {
            final int step = steps++;
            final int slot = step % SLOTS;
            final boolean scatter = t < size - 1;
            final int u = scatter ? t : t - (size - 1);
            final int send = Math.floorMod(scatter ? rank - u : rank + 1 - u, size);
            final int take = Math.floorMod(scatter ? rank - u - 1 : rank - u, size);
            await(CREDIT, step, slot);
            credits--;
            final int result = toNext.write(work, offset(send, elements), length(send, elements), toNext.remoteRegions().getFirst(),
                slot * slotBytes, step, step);
            if (result != PostResult.OK)
            {
                throw new IllegalStateException("ring step " + step + ": write refused: " + PostResult.name(result));
            }
            writesPosted++;
            await(SEGMENT, step, slot);
            await(EARLIER_WRITES_SETTLED, step, slot);
            final int arrived = arrivedLength[slot];
            final MemorySegment received = inbox.segment().asSlice(slot * slotBytes, arrived);
            final MemorySegment target = work.segment().asSlice(offset(take, elements), length(take, elements));
            if (scatter)
            {
                reducer.accumulate(target, received, 0, arrived / 4, false);
            }
            else
            {
                MemorySegment.copy(received, 0, target, 0, arrived);
            }
            credit.putInt(0, step);
            await(CREDIT_SENT, step, slot);
        }
        MemorySegment.copy(work.segment(), 0, data, 0, data.byteSize());
    }

    /**
     * Closes the ring once the successor's last credits and the acknowledgements of this rank's
     * writes have arrived, so that no socket closes with bytes in flight towards it (its peer would
     * see a reset, and lose what it had not read); the wait is bounded by the step timeout, since the
     * last write can take seconds over a slow link (a 64 MiB ring of 7 over a 50 Mbit/s uplink: a 1 s
     * bound closed mid-write), ends as soon as the successor closes, and is skipped after a failure.
     */
    @Override
    public void close()
    {
        final long deadline = System.nanoTime() + timeoutNs;
        idle.reset();
        while (failure == null && !nextClosed && (credits < SLOTS || writesCompleted < writesPosted) && System.nanoTime() - deadline < 0)
        {
            idle.idle(queue.poll(onCompletion, 64));
        }
        fabric.close();
    }

    private long offset(final int segment, final long elements)
    {
        return 4 * (elements * segment / size);
    }

    private int length(final int segment, final long elements)
    {
        return (int)(4 * (elements * (segment + 1) / size - elements * segment / size));
    }

    private boolean ready(final int what, final int step, final int slot)
    {
        return switch (what)
        {
            case CREDIT -> credits > 0;
            case SEGMENT -> arrivedStep[slot] == step;
            case WRITES_SETTLED -> writesCompleted == writesPosted;
            case EARLIER_WRITES_SETTLED -> writesCompleted >= writesPosted - 1;
            default ->
            {
                final int result = fromPrevious.send(credit, 0, 4, step);
                // a predecessor that closed in order is done with the ring and needs no credit
                yield result == PostResult.OK || result == PostResult.NOT_CONNECTED && previousClosed;
            }
        };
    }

    private void await(final int what, final int step, final int slot) throws TimeoutException
    {
        final long deadline = System.nanoTime() + timeoutNs;
        idle.reset();
        while (!ready(what, step, slot))
        {
            if (failure != null)
            {
                throw new IllegalStateException("ring step " + step + " of rank " + rank + ": " + failure);
            }
            if (what == SEGMENT ? previousClosed : what != CREDIT_SENT && nextClosed)
            {
                throw new IllegalStateException("ring step " + step + " of rank " + rank + ": rank "
                    + (what == SEGMENT ? Math.floorMod(rank - 1, size) : (rank + 1) % size) + " left the ring");
            }
            final int work = queue.poll(onCompletion, 64);
            idle.idle(work);
            if (work == 0 && System.nanoTime() - deadline > 0)
            {
                final String missing = switch (what)
                {
                    case CREDIT -> "credit from rank " + (rank + 1) % size;
                    case SEGMENT -> "segment from rank " + Math.floorMod(rank - 1, size);
                    case WRITES_SETTLED, EARLIER_WRITES_SETTLED -> "completion of the writes to rank " + (rank + 1) % size;
                    default -> "room to send a credit to rank " + Math.floorMod(rank - 1, size);
                };
                throw new TimeoutException("ring step " + step + " of rank " + rank + ": no " + missing + " within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
            }
        }
    }

    private void onCompletion(final Completion completion)
    {
        if (completion.opcode() == Opcode.DISCONNECTED && completion.isSuccess())
        {
            // an orderly close: what the peer sent before it was delivered first; only a wait on it fails now
            nextClosed |= completion.connection() == toNext;
            previousClosed |= completion.connection() == fromPrevious;
        }
        else if (!completion.isSuccess())
        {
            failure = completion.describe();
        }
        else if (completion.opcode() == Opcode.WRITE_IMM)
        {
            final int step = completion.immediate();
            arrivedStep[step % SLOTS] = step;
            arrivedLength[step % SLOTS] = completion.length();
        }
        else if (completion.opcode() == Opcode.RECV)
        {
            credits++;
        }
        else if (completion.opcode() == Opcode.WRITE)
        {
            writesCompleted++;
        }
    }
}
