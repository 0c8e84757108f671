package io.fusewire.fusion.hfba;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.reduce.Reducer;
import io.fusewire.fusion.reduce.Reducers;
import io.fusewire.fusion.ring.RingAllReduce;
import io.fusewire.topology.store.Store;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agrona.concurrent.IdleStrategy;

/**
 * The HFBA baseline of ViFusion §4.4, hierarchical host-based aggregation: the bucket is reduced
 * as a sequence of small tensors (1 KiB for "High", 4 KiB for "Low"), each one first summed by its
 * group's leader from the members' writes, then all-reduced among the leaders in a ring, then
 * written back to the members. Groups are ranks {@code g*k .. g*k+g-1}; the leader is the first.
 * Every tensor is a synchronisation point, which is what the baseline measures. The work buffer
 * that writes are sent from is refilled only once they have completed. Runs on the caller's thread;
 * 32-bit types only.
 */
public final class HierarchicalAllReduce implements AutoCloseable
{
    /** For {@link #await}: wait for this rank's own writes rather than for a member's tensor. */
    private static final int OWN_WRITES = -1;

    private final int rank;
    private final int groupSize;
    private final int tensorBytes;
    private final long timeoutNs;
    private final boolean leader;
    private final Fabric fabric;
    private final CompletionQueue queue;
    private final MemoryRegion work;
    private final MemoryRegion inbox;
    private final Connection[] members;
    private final Connection toLeader;
    private final RingAllReduce leaders;
    private final int[] arrivedSequence;
    private final boolean[] closed;
    private final CompletionHandler onCompletion = this::onCompletion;
    private final IdleStrategy idle = IdleStrategies.sharedCore();
    private int sequence;
    private long writesPosted;
    private long writesCompleted;
    private String failure;

    /**
     * Joins through the job's store: leaders publish where they listen, members connect to theirs,
     * leaders form a ring.
     *
     * @param transport   shm, tcp or verbs.
     * @param context     the transport's configuration.
     * @param store       the job's store.
     * @param prefix      the job's keys start with this.
     * @param rank        this rank.
     * @param size        ranks in the job.
     * @param groupSize   ranks per group (a host, a rack).
     * @param tensorBytes the size of the tensors the bucket is cut into.
     * @param listenHost  the address this rank listens on for its group and the leaders' ring.
     * @param timeoutMs   bound on joining and on each tensor.
     */
    public HierarchicalAllReduce(final String transport, final TransportContext context, final Store store, final String prefix,
        final int rank, final int size, final int groupSize, final int tensorBytes, final String listenHost, final long timeoutMs)
    {
        if (groupSize < 1 || tensorBytes < 4 || tensorBytes % 4 != 0)
        {
            throw new IllegalArgumentException("HFBA needs groups of at least 1 rank and tensors of a multiple of 4 bytes");
        }
        this.rank = rank;
        this.groupSize = groupSize;
        this.tensorBytes = tensorBytes;
        this.timeoutNs = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        final int group = rank / groupSize;
        final int first = group * groupSize;
        final int groupEnd = Math.min(size, first + groupSize);
        this.leader = rank == first;
        this.arrivedSequence = new int[groupSize];
        this.closed = new boolean[groupSize];
        fabric = Fabric.open(transport, context);
        try
        {
            final Device device = fabric.openDefaultDevice();
            queue = device.createCompletionQueue();
            work = device.allocate(tensorBytes);
            inbox = device.allocate((long)groupSize * tensorBytes);
            members = new Connection[groupSize];
            if (leader)
            {
                try (Listener listener = device.listen(listenHost + ":0", List.of(inbox), queue))
                {
                    store.set(prefix + "/hfba/leader/" + group, listener.address().getBytes(StandardCharsets.UTF_8));
                    for (int m = 1; m < groupEnd - first; m++)
                    {
                        final Connection member = listener.accept(Duration.ofMillis(timeoutMs));
                        members[member.peerData()[0]] = member;
                    }
                }
                toLeader = null;
                final int leaderCount = (size + groupSize - 1) / groupSize;
                leaders = RingAllReduce.join(transport, context, store, prefix + "/hfba/leaders", group, leaderCount, listenHost,
                    tensorBytes, timeoutMs);
            }
            else
            {
                final String address = new String(store.get(prefix + "/hfba/leader/" + group, Duration.ofMillis(timeoutMs)),
                    StandardCharsets.UTF_8);
                toLeader = device.connect(address, List.of(inbox), queue, new byte[] {(byte)(rank - first)});
                leaders = null;
            }
        }
        catch (final TimeoutException ex)
        {
            fabric.close();
            throw new IllegalStateException("rank " + rank + ": the leader of group " + group + " did not show up: " + ex.getMessage(), ex);
        }
        catch (final RuntimeException ex)
        {
            fabric.close();
            throw ex;
        }
    }

    /**
     * AllReduce in place, tensor by tensor; returns when done.
     *
     * @param data elements of a 32-bit type; overwritten with the result.
     * @param type FLOAT32 or INT32.
     * @param op   the operator.
     * @throws TimeoutException if a tensor waits longer than the timeout.
     */
    public void allReduce(final MemorySegment data, final DataType type, final ReduceOp op) throws TimeoutException
    {
        if (type.bytes() != 4 || data.byteSize() % 4 != 0)
        {
            throw new IllegalArgumentException("the HFBA baseline takes 32-bit types; got " + data.byteSize() + " bytes of " + type);
        }
        final Reducer reducer = Reducers.of(type, op);
        for (long offset = 0; offset < data.byteSize(); offset += tensorBytes)
        {
            final int length = (int)Math.min(tensorBytes, data.byteSize() - offset);
            final int tensor = ++sequence;
            await(OWN_WRITES, tensor);
            if (leader)
            {
                MemorySegment.copy(data, offset, work.segment(), 0, length);
                for (int m = 1; m < groupSize && members[m] != null; m++)
                {
                    await(m, tensor);
                    reducer.accumulate(work.segment(), inbox.segment(), (long)m * tensorBytes, length / 4, false);
                }
                final MemorySegment sum = work.segment().asSlice(0, length);
                leaders.allReduce(sum, type, op);
                for (int m = 1; m < groupSize && members[m] != null; m++)
                {
                    post(members[m].write(work, 0, length, members[m].remoteRegions().getFirst(), 0, tensor, tensor));
                }
                MemorySegment.copy(work.segment(), 0, data, offset, length);
            }
            else
            {
                MemorySegment.copy(data, offset, work.segment(), 0, length);
                post(toLeader.write(work, 0, length, toLeader.remoteRegions().getFirst(),
                    (long)(rank % groupSize) * tensorBytes, tensor, tensor));
                await(0, tensor);
                MemorySegment.copy(inbox.segment(), 0, data, offset, length);
            }
        }
    }

    @Override
    public void close()
    {
        if (leaders != null)
        {
            leaders.close();
        }
        fabric.close();
    }

    private void post(final int result)
    {
        if (result != PostResult.OK)
        {
            throw new IllegalStateException("rank " + rank + ": HFBA write refused: " + PostResult.name(result));
        }
        writesPosted++;
    }

    /**
     * Waits, bounded by the timeout, for tensor {@code tensor} from a member (the leader, on a
     * member), or with {@link #OWN_WRITES} for every write from the work buffer to have completed,
     * so that it may be refilled.
     */
    private void await(final int member, final int tensor) throws TimeoutException
    {
        final long deadline = System.nanoTime() + timeoutNs;
        idle.reset();
        while (member == OWN_WRITES ? writesCompleted != writesPosted : arrivedSequence[member] != tensor)
        {
            if (failure != null)
            {
                throw new IllegalStateException("rank " + rank + ": " + failure);
            }
            if (member != OWN_WRITES && closed[member])
            {
                throw new IllegalStateException("rank " + rank + ": " + (leader ? "member " + member : "the leader")
                    + " left before tensor " + tensor);
            }
            final int work = queue.poll(onCompletion, 64);
            idle.idle(work);
            if (work == 0 && System.nanoTime() - deadline > 0)
            {
                throw new TimeoutException("rank " + rank + ": " + (member == OWN_WRITES
                    ? "the writes of tensor " + (tensor - 1) + " did not complete"
                    : "tensor " + tensor + " did not arrive from " + (leader ? "member " + member : "the leader"))
                    + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
            }
        }
    }

    private void onCompletion(final Completion completion)
    {
        if (completion.opcode() == Opcode.DISCONNECTED && completion.isSuccess())
        {
            closed[memberOf(completion.connection())] = true;
        }
        else if (!completion.isSuccess())
        {
            failure = completion.describe();
        }
        else if (completion.opcode() == Opcode.WRITE_IMM)
        {
            arrivedSequence[memberOf(completion.connection())] = completion.immediate();
        }
        else if (completion.opcode() == Opcode.WRITE)
        {
            writesCompleted++;
        }
    }

    private int memberOf(final Connection connection)
    {
        for (int m = 1; m < groupSize; m++)
        {
            if (members[m] == connection)
            {
                return m;
            }
        }
        return 0;
    }
}
