package io.fusewire.fusion;

import io.fusewire.gpu.CudaStaging;
import io.fusewire.gpu.DeviceBuffer;
import io.fusewire.gpu.GpuContext;
import io.fusewire.gpu.PinnedBuffer;
import io.fusewire.gpu.StagedPipeline;
import io.fusewire.transport.IdleStrategies;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A communicator's AllReduce of device tensors where the transport cannot reach GPU memory: the
 * tensor goes through S host slots of memory the transport registered (so chunks are written
 * straight from them) and the driver page-locked (so the copies run at full speed, asynchronously),
 * each slot's collective overlapping the copies of the slots around it. A slot's collective goes
 * through the communicator's asynchronous API, so each chunk costs one future; the copies and the
 * pipeline allocate nothing.
 */
final class DeviceStaging implements StagedPipeline.SlotReduction, AutoCloseable
{
    private final Communicator communicator;
    private final GpuContext gpu;
    private final CudaStaging copies;
    private final StagedPipeline pipeline;
    private final MemorySegment[] slots;
    private final CompletableFuture<?>[] reductions;
    private final long stallNs;
    private DataType type;
    private ReduceOp op;

    /**
     * @param communicator whose collectives reduce the slots.
     * @param ordinal      the device the tensors live on; this opens a context of its own there, so that
     *                     closing the caller's leaves the slots alone.
     * @param memory       the slots: memory the communicator registered, at least S slots long; it outlives this.
     * @param context      the slots' count and size, and the bound on a stall.
     */
    DeviceStaging(final Communicator communicator, final int ordinal, final MemorySegment memory, final CommunicatorContext context)
    {
        this.communicator = communicator;
        final int count = context.stagingSlots();
        final long slotBytes = context.stagingSlotBytes();
        gpu = GpuContext.open(ordinal);
        try
        {
            final PinnedBuffer pinned = gpu.pin(memory);
            copies = new CudaStaging(gpu, pinned, count, slotBytes);
        }
        catch (final RuntimeException ex)
        {
            gpu.close();
            throw ex;
        }
        pipeline = new StagedPipeline(count, slotBytes, IdleStrategies.sharedCore());
        slots = new MemorySegment[count];
        for (int slot = 0; slot < count; slot++)
        {
            slots[slot] = memory.asSlice(slot * slotBytes, slotBytes);
        }
        reductions = new CompletableFuture<?>[count];
        stallNs = TimeUnit.MILLISECONDS.toNanos(context.timeoutMs());
    }

    /** @return the ordinal of the device these slots copy to and from. */
    int ordinal()
    {
        return gpu.ordinal();
    }

    /** @return the pipeline, whose head, tail and total times describe the last AllReduce. */
    StagedPipeline pipeline()
    {
        return pipeline;
    }

    /**
     * AllReduce in place; returns when the result is in the tensor.
     *
     * @throws IllegalStateException if a collective failed or nothing moved within the timeout, saying why.
     */
    void allReduce(final DeviceBuffer tensor, final DataType type, final ReduceOp op)
    {
        this.type = type;
        this.op = op;
        gpu.makeCurrent();
        copies.target(tensor);
        pipeline.run(tensor.byteSize(), copies, this, stallNs);
    }

    @Override
    public void start(final int slot, final long bytes)
    {
        final MemorySegment memory = slots[slot];
        reductions[slot] = communicator.allReduce(bytes == memory.byteSize() ? memory : memory.asSlice(0, bytes), type, op);
    }

    @Override
    public boolean done(final int slot)
    {
        final CompletableFuture<?> reduction = reductions[slot];
        if (!reduction.isDone())
        {
            return false;
        }
        if (reduction.isCompletedExceptionally())
        {
            try
            {
                reduction.get();
            }
            catch (final ExecutionException | CompletionException ex)
            {
                throw new IllegalStateException(ex.getCause().getMessage(), ex.getCause());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", ex);
            }
        }
        return true;
    }

    /** Waits for the copies, then lets go of the streams and unlocks the slots (the communicator frees them), and of the context. */
    @Override
    public void close()
    {
        gpu.close(); // closes the streams, events and the pinned view it made, each even if another fails
    }
}
