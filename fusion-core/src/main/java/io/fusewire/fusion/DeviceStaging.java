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
    private final PinnedBuffer pinned;
    private final CudaStaging copies;
    private final StagedPipeline pipeline;
    private final MemorySegment[] slots;
    private final CompletableFuture<?>[] reductions;
    private final long stallNs;
    private DataType type;
    private ReduceOp op;

    /**
     * @param communicator whose collectives reduce the slots, and whose registered memory they are.
     * @param gpu          the device the tensors live on.
     * @param context      the slots' count and size, and the bound on a stall.
     */
    DeviceStaging(final Communicator communicator, final GpuContext gpu, final CommunicatorContext context)
    {
        this.communicator = communicator;
        this.gpu = gpu;
        final int count = context.stagingSlots();
        final long slotBytes = context.stagingSlotBytes();
        final MemorySegment memory = communicator.allocate(count * slotBytes);
        pinned = gpu.pin(memory);
        try
        {
            copies = new CudaStaging(gpu, pinned, count, slotBytes);
        }
        catch (final RuntimeException ex)
        {
            pinned.close();
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

    /** @return the device these slots copy to and from. */
    GpuContext gpu()
    {
        return gpu;
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

    /** Waits for the copies, then lets go of the streams and unlocks the slots (the communicator frees them). */
    @Override
    public void close()
    {
        copies.close();
        pinned.close();
    }
}
