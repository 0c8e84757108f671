package io.fusewire.fusion.fuse;

import io.fusewire.transport.IdleStrategies;
import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Tensor fusion after ViFusion §3.1, in front of a {@link Communicator}: many small tensors,
 * submitted from any thread, leave as one AllReduce per batch. Each tensor is placed (one copy) in
 * a fusion buffer, registered memory, at an offset padded to a power of two. As TCP's Nagle does,
 * fusion batches only while the pipe is busy ({@link FusionContext#fireWhenIdle()}): when no batch
 * has been in flight for a deadline, a waiting tensor goes at once; otherwise the tensors waiting
 * for one data type and operator go when they fill the buffer to the threshold or when the oldest
 * has waited the deadline (a tensor too large to share a buffer goes alone). Results are views of
 * the fused result, no copy.
 *
 * <p>Every worker must submit the same tensors, as with any collective. Because the deadline fires
 * at different moments on different workers, the workers agree on each cut first (see
 * {@link OrderedCutter} for tensors submitted in the same order everywhere, {@link NamedCutter}
 * for tensors matched by name), so all of them fuse the same tensors into the same batch. While a
 * batch is on the wire the next one fills; batches queue behind one another in the communicator,
 * several in flight.
 */
public final class TensorFusion implements AutoCloseable
{
    private final Communicator communicator;
    private final FusionContext context;
    /** Unbounded: refusing a tensor on one worker and not on another would put the workers out of step. */
    private final MpscUnboundedArrayQueue<Pending> submitted = new MpscUnboundedArrayQueue<>(4096);
    private final ManyToManyConcurrentArrayQueue<FusionBuffer> pool;
    private final Cutter cutter;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong spills = new AtomicLong();
    /** Batches handed to the communicator and not yet complete. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** When the last batch in flight completed ({@link System#nanoTime()}); at first, long ago. */
    private volatile long idleSinceNs = System.nanoTime() - (1L << 62);
    /** How long the pipe must have been idle before a tensor goes at once: a deadline. */
    private final long idleGraceNs;
    private final AgentRunner runner;
    private volatile String failure;
    private volatile boolean closed;

    /**
     * @param communicator the job; collectives go through it.
     * @param context      the settings; concluded here.
     */
    public TensorFusion(final Communicator communicator, final FusionContext context)
    {
        this.communicator = communicator;
        this.context = context.conclude();
        this.idleGraceNs = TimeUnit.MICROSECONDS.toNanos(context.deadlineMicros());
        this.cutter = context.matchByName() ? new NamedCutter(communicator, context) : new OrderedCutter(communicator, context);
        pool = new ManyToManyConcurrentArrayQueue<>(Math.max(2, context.buffers()));
        for (int i = 0; i < context.buffers(); i++)
        {
            pool.offer(new FusionBuffer(communicator.allocate(context.bufferBytes()), this::recycle));
        }
        runner = new AgentRunner(IdleStrategies.sharedCore(),
            ex -> System.getLogger("io.fusewire.fusion").log(System.Logger.Level.ERROR, "fusion scheduler failed", ex), null,
            new Scheduler());
        AgentRunner.startOnThread(runner);
    }

    /**
     * Submits a tensor to be all-reduced with the same tensor of every other worker, which must
     * submit the same tensors in the same order. The tensor is copied when its batch fires; it must
     * not change until the future completes.
     *
     * @param tensor elements of {@code type}, from a shared or automatic arena, or the heap.
     * @param type   their type.
     * @param op     the operator.
     * @return completes with the reduced tensor (close it when done), or fails with the reason.
     */
    public CompletableFuture<FusedTensor> submit(final MemorySegment tensor, final DataType type, final ReduceOp op)
    {
        return enqueue(0, tensor, type, op, context.matchByName()
            ? "this fusion matches tensors by name: use submit(name, tensor, type, op)" : null);
    }

    /**
     * Submits a named tensor, matched by name with the other workers' tensors: the workers may
     * submit in any order, from many threads. A name may be used again once its result arrived.
     *
     * @param name   the tensor's name, the same on every worker.
     * @param tensor elements of {@code type}, from a shared or automatic arena, or the heap.
     * @param type   their type.
     * @param op     the operator.
     * @return completes with the reduced tensor (close it when done), or fails with the reason.
     */
    public CompletableFuture<FusedTensor> submit(final String name, final MemorySegment tensor, final DataType type,
        final ReduceOp op)
    {
        return enqueue(NamedCutter.hash(name), tensor, type, op, context.matchByName()
            ? null : "this fusion takes tensors in order, unnamed: enable FusionContext.matchByName to submit by name");
    }

    private CompletableFuture<FusedTensor> enqueue(final long name, final MemorySegment tensor, final DataType type, final ReduceOp op,
        final String misuse)
    {
        final CompletableFuture<FusedTensor> future = new CompletableFuture<>();
        final String problem = misuse != null ? misuse : tensor.byteSize() == 0 || tensor.byteSize() % type.bytes() != 0
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
            submitted.offer(new Pending(name, tensor, type, op, future, System.nanoTime(), padded(tensor.byteSize())));
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

    private void recycle(final FusionBuffer buffer)
    {
        if (closed || !buffer.isPooled() || !pool.offer(buffer))
        {
            buffer.free();
        }
    }

    /** The scheduler loop, on its own thread. */
    private final class Scheduler implements Agent
    {
        private CompletableFuture<MemorySegment> agreement;
        private long agreementStartNs;

        @Override
        public String roleName()
        {
            return "fusewire-fusion";
        }

        @Override
        public int doWork()
        {
            int work = submitted.drain(cutter::add);
            final long now = System.nanoTime();
            if (agreement == null)
            {
                if (cutter.triggered(now, isIdle(now)))
                {
                    agreementStartNs = now;
                    agreement = cutter.next();
                    work++;
                }
            }
            else if (agreement.isDone())
            {
                if (agreement.isCompletedExceptionally())
                {
                    failAll("the workers could not agree on a fused batch: " + agreement.exceptionNow().getMessage());
                    return work + 1;
                }
                agreement = cutter.next();
                if (agreement == null)
                {
                    cutter.batches().forEach(this::fire);
                }
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

        private void fire(final Pending[] batch)
        {
            long total = 0;
            for (final Pending pending : batch)
            {
                total += pending.padded();
            }
            final FusionBuffer buffer = acquire(total);
            final MemorySegment memory = buffer.segment();
            buffer.hold(batch.length);
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
            inFlight.incrementAndGet();
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

        /**
         * @return true when fusion may fire without waiting: no batch in flight, and none for a deadline
         *         (so a steady stream, whose next tensors arrive right after a batch completes, still batches).
         */
        private boolean isIdle(final long nowNs)
        {
            return context.fireWhenIdle() && inFlight.get() == 0
                && nowNs - idleSinceNs >= idleGraceNs;
        }

        private void deliver(final Pending[] batch, final FusionBuffer buffer, final Throwable error)
        {
            if (inFlight.decrementAndGet() == 0)
            {
                idleSinceNs = System.nanoTime();
            }
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
            final List<Pending> waiting = cutter.drainAll();
            waiting.forEach(pending -> pending.future().completeExceptionally(error));
            submitted.drain(pending -> pending.future().completeExceptionally(error));
            agreement = null;
        }
    }
}
