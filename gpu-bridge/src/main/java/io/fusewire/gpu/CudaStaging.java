package io.fusewire.gpu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The copies of a {@link StagedPipeline} between a device tensor and pinned host slots: one
 * stream copies in and one copies out, so that both copy engines work at once, and an event per
 * slot and direction says when a slot's copy is done. Run it on a thread where its context is
 * current ({@link GpuContext#makeCurrent()}).
 */
public final class CudaStaging implements StagedPipeline.Staging, AutoCloseable
{
    private final GpuContext context;
    private final long slotsAddress;
    private final long slotBytes;
    private final CopyStream in;
    private final CopyStream out;
    private final CopyEvent[] copiedIn;
    private final CopyEvent[] copiedOut;
    private long device;

    /**
     * @param context   the device's context.
     * @param slots     pinned host memory ({@link GpuContext#pin} or {@link GpuContext#allocatePinned}), S slots one after the other.
     * @param count     S.
     * @param slotBytes each slot's size.
     */
    public CudaStaging(final GpuContext context, final PinnedBuffer slots, final int count, final long slotBytes)
    {
        final MemorySegment memory = slots.segment();
        if (memory.byteSize() < count * slotBytes)
        {
            throw new IllegalArgumentException(count + " slots of " + slotBytes + " bytes do not fit in " + memory.byteSize() + " bytes");
        }
        this.context = context;
        this.slotsAddress = memory.address();
        this.slotBytes = slotBytes;
        this.in = context.openStream();
        this.out = context.openStream();
        this.copiedIn = new CopyEvent[count];
        this.copiedOut = new CopyEvent[count];
        for (int slot = 0; slot < count; slot++)
        {
            copiedIn[slot] = in.newEvent();
            copiedOut[slot] = out.newEvent();
        }
    }

    /**
     * @param tensor the tensor the next run copies from and back into; on this staging's device.
     */
    public void target(final DeviceBuffer tensor)
    {
        if (tensor.context().ordinal() != context.ordinal())
        {
            throw new IllegalArgumentException(tensor + " is on another device than these slots (" + context + ")");
        }
        device = tensor.address();
    }

    @Override
    public void copyIn(final int slot, final long offset, final long bytes)
    {
        Cu.check("cuMemcpyDtoHAsync_v2", in.toHost(slotsAddress + slot * slotBytes, device + offset, bytes));
        Cu.check("cuEventRecord", in.record(copiedIn[slot]));
    }

    @Override
    public boolean copiedIn(final int slot)
    {
        return done(copiedIn[slot]);
    }

    @Override
    public void copyOut(final int slot, final long offset, final long bytes)
    {
        Cu.check("cuMemcpyHtoDAsync_v2", out.toDevice(device + offset, slotsAddress + slot * slotBytes, bytes));
        Cu.check("cuEventRecord", out.record(copiedOut[slot]));
    }

    @Override
    public boolean copiedOut(final int slot)
    {
        return done(copiedOut[slot]);
    }

    @Override
    public void drain()
    {
        in.synchronize();
        out.synchronize();
    }

    private static boolean done(final CopyEvent event)
    {
        final int rc = event.query();
        if (rc == CopyEvent.PENDING)
        {
            return false;
        }
        Cu.check("cuEventQuery", rc);
        return true;
    }

    /** Waits for the copies, then destroys the streams and events, every one even if one fails (the first failure is thrown). */
    @Override
    public void close()
    {
        RuntimeException failure = null;
        final List<AutoCloseable> parts = new ArrayList<>(List.of(in, out));
        parts.addAll(List.of(copiedIn));
        parts.addAll(List.of(copiedOut));
        for (final AutoCloseable part : parts)
        {
            try
            {
                part.close();
            }
            catch (final Exception ex)
            {
                failure = failure != null ? failure : ex instanceof RuntimeException runtime ? runtime : new IllegalStateException(ex);
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }
}
