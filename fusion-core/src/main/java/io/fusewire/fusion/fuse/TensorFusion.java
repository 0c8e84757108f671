package io.fusewire.fusion.fuse;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Tensor fusion after ViFusion §3.1, in front of a {@link Communicator}: many small tensors,
 * submitted from any thread, leave as one AllReduce per batch. Each tensor is placed (one copy) in
 * a fusion buffer at an offset padded to a power of two; a batch fires when the tensors waiting for
 * one data type and operator fill the buffer to the threshold, or when the oldest has waited the
 * deadline, or at once for a tensor too large to share a buffer. Results are views of the fused
 * result, no copy.
 *
 * <p>Every worker must submit the same tensors in the same order, as with any collective. Because
 * the deadline fires at different moments on different workers, the workers agree on each cut
 * first: a tiny AllReduce (MIN) of how many waiting tensors of each kind every worker can send, so
 * that all of them fuse the same tensors into the same batch. While a batch is on the wire the next
 * one fills; batches queue behind one another in the communicator, several in flight.
 */
public final class TensorFusion implements AutoCloseable
{
    private static final int KEYS = DataType.values().length * ReduceOp.values().length;
    private static final ValueLayout.OfInt COUNT = ValueLayout.JAVA_INT;

    private record Pending(MemorySegment tensor, DataType type, ReduceOp op, CompletableFuture<FusedTensor> future, long arrivalNs,
        long padded)
    {
    }

    private final Communicator communicator;
    private final FusionContext context;
    /** Unbounded: refusing a tensor on one worker and not on another would put the workers out of step. */
    private final MpscUnboundedArrayQueue<Pending> submitted = new MpscUnboundedArrayQueue<>(4096);
    private final ArrayDeque<Pending>[] waiting;
    private final long[] waitingBytes = new long[KEYS];
    private final ManyToManyConcurrentArrayQueue<FusionBuffer> pool;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment proposal = arena.allocate(4L * KEYS);
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong spills = new AtomicLong();
    private final AgentRunner runner;
    private final long deadlineNs;
    private final long fillBytes;
    private CompletableFuture<MemorySegment> agreement;
    private long agreementStartNs;
    private volatile String failure;
    private volatile boolean closed;

    /**
     * @param communicator the job; collectives go through it.
     * @param context      the settings; concluded here.
     */
    @SuppressWarnings("unchecked")
    public TensorFusion(final Communicator communicator, final FusionContext context)
    {
        this.communicator = communicator;
        this.context = context.conclude();
        this.deadlineNs = TimeUnit.MICROSECONDS.toNanos(context.deadlineMicros());
        this.fillBytes = (long)(context.fillThreshold() * context.bufferBytes());
        waiting = new ArrayDeque[KEYS];
        for (int key = 0; key < KEYS; key++)
        {
            waiting[key] = new ArrayDeque<>();
        }
        pool = new ManyToManyConcurrentArrayQueue<>(Math.max(2, context.buffers()));
        for (int i = 0; i < context.buffers(); i++)
        {
            pool.offer(new FusionBuffer(context.bufferBytes(), this::recycle));
        }
        runner = new AgentRunner(new BackoffIdleStrategy(10, 5, 1_000, 20_000),
            ex -> System.getLogger("io.fusewire.fusion").log(System.Logger.Level.ERROR, "fusion scheduler failed", ex), null,
            new Scheduler());
        AgentRunner.startOnThread(runner);
    }

    /**
     * Submits a tensor to be all-reduced with the same tensor of every other worker. The tensor is
     * copied when its batch fires; it must not change until the future completes.
     *
     * @param tensor elements of {@code type}, from a shared or automatic arena, or the heap.
     * @param type   their type.
     * @param op     the operator.
     * @return completes with the reduced tensor (close it when done), or fails with the reason.
     */
    public CompletableFuture<FusedTensor> submit(final MemorySegment tensor, final DataType type, final ReduceOp op)
    {
        final CompletableFuture<FusedTensor> future = new CompletableFuture<>();
        final String problem = tensor.byteSize() == 0 || tensor.byteSize() % type.bytes() != 0
            ? "a tensor must hold whole " + type + " elements; got " + tensor.byteSize() + " bytes"
            : !tensor.isAccessibleBy(runner.thread() != null ? runner.thread() : Thread.currentThread())
            ? "the tensor's memory must be reachable from the fusion thread: use a shared or automatic arena" : failure;
        if (problem != null)
        {
            future.completeExceptionally(new IllegalArgumentException(problem));
        }
        else if (closed)
        {
            future.completeExceptionally(new IllegalStateException("tensor fusion is closed"));
        }
        else
        {
            submitted.offer(new Pending(tensor, type, op, future, System.nanoTime(), padded(tensor.byteSize())));
        }
        return future;
    }

    /** @return fused collectives fired so far. */
    public long batches()
    {
        return batches.get();
    }

    /** @return batches that borrowed a buffer from host memory because the pool was empty. */
    public long spills()
    {
        return spills.get();
    }

    /** Stops fusing: tensors not yet in a batch fail; batches in flight complete. Closes no communicator. */
    @Override
    public void close()
    {
        closed = true;
        runner.close();
        FusionBuffer buffer;
        while ((buffer = pool.poll()) != null)
        {
            buffer.free();
        }
    }

    /** @return the size a tensor takes in a buffer: the next power of two. */
    static long padded(final long bytes)
    {
        return Math.max(8, Long.highestOneBit(bytes - 1) << 1);
    }

    private static int key(final DataType type, final ReduceOp op)
    {
        return type.ordinal() * ReduceOp.values().length + op.ordinal();
    }

    private void recycle(final FusionBuffer buffer)
    {
        if (closed || buffer.segment().byteSize() != context.bufferBytes() || !pool.offer(buffer))
        {
            buffer.free();
        }
    }

    /** The scheduler loop, on its own thread. */
    private final class Scheduler implements Agent
    {
        @Override
        public String roleName()
        {
            return "fusewire-fusion";
        }

        @Override
        public int doWork()
        {
            int work = submitted.drain(pending ->
            {
                final int key = key(pending.type(), pending.op());
                waiting[key].add(pending);
                waitingBytes[key] += pending.padded();
            });
            final long now = System.nanoTime();
            if (agreement == null)
            {
                if (triggered(now))
                {
                    propose(now);
                    work++;
                }
            }
            else if (agreement.isDone())
            {
                cut();
                work++;
            }
            else if (now - agreementStartNs > TimeUnit.MILLISECONDS.toNanos(context.agreementTimeoutMs()))
            {
                failAll("the workers did not agree on a fused batch within " + context.agreementTimeoutMs() + " ms: does every"
                    + " worker submit the same tensors?");
            }
            return work;
        }

        @Override
        public void onClose()
        {
            failAll("tensor fusion was closed before the tensor's batch fired");
        }

        private boolean triggered(final long now)
        {
            for (int key = 0; key < KEYS; key++)
            {
                final Pending oldest = waiting[key].peek();
                if (oldest != null && (waitingBytes[key] >= fillBytes || now - oldest.arrivalNs() >= deadlineNs))
                {
                    return true;
                }
            }
            return false;
        }

        /** Proposes, for every kind, how many waiting tensors fit in one batch. */
        private void propose(final long now)
        {
            for (int key = 0; key < KEYS; key++)
            {
                proposal.setAtIndex(COUNT, key, fitting(waiting[key]));
            }
            agreementStartNs = now;
            agreement = communicator.allReduce(proposal, DataType.INT32, ReduceOp.MIN);
        }

        private int fitting(final ArrayDeque<Pending> queue)
        {
            int count = 0;
            long bytes = 0;
            for (final Pending pending : queue)
            {
                if (count > 0 && bytes + pending.padded() > context.bufferBytes())
                {
                    break;
                }
                bytes += pending.padded();
                count++;
                if (bytes >= context.bufferBytes())
                {
                    break;
                }
            }
            return count;
        }

        private void cut()
        {
            final CompletableFuture<MemorySegment> done = agreement;
            agreement = null;
            if (done.isCompletedExceptionally())
            {
                failAll("the workers could not agree on a fused batch: " + done.exceptionNow().getMessage());
                return;
            }
            for (int key = 0; key < KEYS; key++)
            {
                final int count = proposal.getAtIndex(COUNT, key);
                if (count > 0)
                {
                    fire(key, count);
                }
            }
        }

        private void fire(final int key, final int count)
        {
            final Pending[] batch = new Pending[count];
            long total = 0;
            for (int i = 0; i < count; i++)
            {
                batch[i] = waiting[key].poll();
                waitingBytes[key] -= batch[i].padded();
                total += batch[i].padded();
            }
            final FusionBuffer buffer = acquire(total);
            final MemorySegment memory = buffer.segment();
            buffer.hold(count);
            try
            {
                long offset = 0;
                for (final Pending pending : batch)
                {
                    MemorySegment.copy(pending.tensor(), 0, memory, offset, pending.tensor().byteSize());
                    memory.asSlice(offset + pending.tensor().byteSize(), pending.padded() - pending.tensor().byteSize()).fill((byte)0);
                    offset += pending.padded();
                }
            }
            catch (final RuntimeException ex)
            {
                deliver(batch, buffer, new IllegalStateException("a tensor of the batch could not be read (was its memory freed?): " + ex));
                failAll("a fused batch was abandoned half-way, so the workers no longer agree: " + ex);
                return;
            }
            batches.incrementAndGet();
            communicator.allReduce(memory.asSlice(0, total), batch[0].type(), batch[0].op()).whenComplete((result, error) ->
                deliver(batch, buffer, error));
        }

        private FusionBuffer acquire(final long bytes)
        {
            final FusionBuffer pooled = bytes <= context.bufferBytes() ? pool.poll() : null;
            if (pooled != null)
            {
                return pooled;
            }
            spills.incrementAndGet();
            return new FusionBuffer(Math.max(bytes, context.bufferBytes()), TensorFusion.this::recycle);
        }

        private void deliver(final Pending[] batch, final FusionBuffer buffer, final Throwable error)
        {
            long offset = 0;
            for (final Pending pending : batch)
            {
                if (error != null)
                {
                    pending.future().completeExceptionally(error);
                    buffer.release();
                }
                else
                {
                    pending.future().complete(new FusedTensor(
                        buffer.segment().asSlice(offset, pending.tensor().byteSize()).asReadOnly(), buffer));
                }
                offset += pending.padded();
            }
        }

        private void failAll(final String reason)
        {
            if (failure == null)
            {
                failure = reason;
            }
            final IllegalStateException error = new IllegalStateException(reason);
            for (final ArrayDeque<Pending> queue : waiting)
            {
                Pending pending;
                while ((pending = queue.poll()) != null)
                {
                    pending.future().completeExceptionally(error);
                }
            }
            java.util.Arrays.fill(waitingBytes, 0);
            submitted.drain(pending -> pending.future().completeExceptionally(error));
            agreement = null;
        }
    }
}
