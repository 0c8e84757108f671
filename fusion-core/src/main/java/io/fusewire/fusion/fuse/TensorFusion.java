package io.fusewire.fusion.fuse;

import io.fusewire.transport.IdleStrategies;
import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.gpu.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.AgentRunner;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Tensor fusion after ViFusion §3.1, in front of a {@link Communicator}: many small tensors,
 * submitted from any thread, leave as one AllReduce per batch. Each tensor is placed (one copy) in
 * a fusion buffer, registered memory, at an offset padded to a power of two; results are views of
 * the fused result, no copy. As TCP's Nagle does, fusion batches only while the pipe is busy
 * ({@link FusionContext#fireWhenIdle()}): with nothing in flight a waiting tensor goes at once;
 * otherwise tensors of one data type and operator wait until they fill a batch to the threshold or
 * the oldest has waited the deadline (a tensor too large to share a batch goes alone).
 *
 * <p>Every worker must submit the same tensors, as with any collective, but the deadline fires at
 * different moments on different workers, so the batches must be made the same. Tensors submitted
 * in the same order everywhere are settled by the aggregator, at no extra cost: each worker sends
 * what it has, and the aggregator reduces the tensors all of them sent ({@link SettledScheduler}).
 * Tensors matched by name, submitted in any order from many threads, are agreed on by two small
 * collectives before each cut ({@link AgreedScheduler}).
 */
public final class TensorFusion implements AutoCloseable
{
    private final FusionContext context;
    /** Unbounded: refusing a tensor on one worker and not on another would put the workers out of step. */
    private final MpscUnboundedArrayQueue<Pending> submitted = new MpscUnboundedArrayQueue<>(4096);
    private final FusionPool pool;
    private final Scheduler scheduler;
    private final AgentRunner runner;
    private volatile boolean closed;

    /**
     * @param communicator the job; collectives go through it.
     * @param context      the settings; concluded here.
     */
    public TensorFusion(final Communicator communicator, final FusionContext context)
    {
        this.context = context.conclude();
        pool = new FusionPool(communicator, context);
        scheduler = context.matchByName() ? new AgreedScheduler(communicator, context, pool, submitted)
            : new SettledScheduler(communicator, context, pool, submitted);
        runner = new AgentRunner(IdleStrategies.sharedCore(),
            ex -> System.getLogger("io.fusewire.fusion").log(System.Logger.Level.ERROR, "fusion scheduler failed", ex), null,
            scheduler);
        AgentRunner.startOnThread(runner);
    }

    /**
     * Submits a tensor to be all-reduced with the same tensor of every other worker, which must
     * submit the same tensors in the same order. The tensor is copied when its batch fires; it must
     * not change until the future completes. When nothing is in flight the batch fires on the
     * calling thread (the copy and the hand-over to the communicator, no waiting), so a lone tensor
     * does not wait for the fusion thread to wake.
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

    /**
     * Submits a tensor in GPU memory, as {@link #submit(MemorySegment, DataType, ReduceOp)} does a
     * host one: it is copied into the batch's buffer (pinned host memory) when its batch fires, and
     * its result is copied back into it before the future completes, which also gives the result
     * as a host view. The tensor must not change, nor be freed, until then.
     *
     * @param tensor elements of {@code type} in device memory.
     * @param type   their type.
     * @param op     the operator.
     * @return completes with the reduced tensor, also in {@code tensor} (close the result when done), or fails with the reason.
     */
    public CompletableFuture<FusedTensor> submit(final DeviceBuffer tensor, final DataType type, final ReduceOp op)
    {
        pool.pin(tensor.context());
        return enqueue(0, null, tensor, type, op, context.matchByName()
            ? "this fusion matches tensors by name: device tensors are fused in order only (matchByName off)" : null);
    }

    private CompletableFuture<FusedTensor> enqueue(final long name, final MemorySegment tensor, final DataType type, final ReduceOp op,
        final String misuse)
    {
        return enqueue(name, tensor, null, type, op, misuse);
    }

    private CompletableFuture<FusedTensor> enqueue(final long name, final MemorySegment tensor, final DeviceBuffer device, final DataType type,
        final ReduceOp op, final String misuse)
    {
        final CompletableFuture<FusedTensor> future = new CompletableFuture<>();
        final long bytes = device != null ? device.byteSize() : tensor.byteSize();
        final String problem = misuse != null ? misuse : bytes == 0 || bytes % type.bytes() != 0
            ? "a tensor must hold whole " + type + " elements; got " + bytes + " bytes"
            : device == null && !tensor.isAccessibleBy(runner.thread() != null ? runner.thread() : Thread.currentThread())
            ? "the tensor's memory must be reachable from the fusion thread: use a shared or automatic arena" : scheduler.failure();
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
            submitted.offer(new Pending(name, tensor, device, type, op, future, System.nanoTime(), padded(bytes)));
            scheduler.drive(); // fire from this thread if the tensor may go at once and the loop is free
        }
        return future;
    }

    /** @return fused collectives fired so far. */
    public long batches()
    {
        return scheduler.batches();
    }

    /**
     * @return tensors that a batch sent before every worker had submitted them, so that the
     *         aggregator left them for a later batch (tensors submitted in order); 0 by name.
     */
    public long tensorsCarried()
    {
        return scheduler.carried();
    }

    /** @return batches that borrowed a buffer from host memory because the pool was empty. */
    public long spills()
    {
        return pool.spills();
    }

    /** Stops fusing: tensors not yet in a batch fail; batches in flight complete. Closes no communicator. */
    @Override
    public void close()
    {
        closed = true;
        runner.close();
        pool.close();
    }

    /** @return the size a tensor takes in a buffer: the next power of two. */
    static long padded(final long bytes)
    {
        return Math.max(8, Long.highestOneBit(bytes - 1) << 1);
    }
}
