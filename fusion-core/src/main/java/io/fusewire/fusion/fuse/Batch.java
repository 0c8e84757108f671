package io.fusewire.fusion.fuse;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Tensors fused into one buffer, each at an offset padded to a power of two (its padding zeroed),
 * and how their results are handed out: read-only views of the buffer, which the buffer outlives
 * until the last view is closed.
 */
final class Batch
{
    private final Pending[] tensors;
    private final int count;
    private final FusionBuffer buffer;
    private final long bytes;

    private Batch(final Pending[] tensors, final int count, final FusionBuffer buffer, final long bytes)
    {
        this.tensors = tensors;
        this.count = count;
        this.buffer = buffer;
        this.bytes = bytes;
    }

    /**
     * Copies the first {@code count} tensors into a buffer from the pool.
     *
     * @throws IllegalStateException if a tensor could not be read (its memory freed); the buffer is given back.
     */
    static Batch fill(final Pending[] tensors, final int count, final FusionPool pool)
    {
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            total += tensors[i].padded();
        }
        final FusionBuffer buffer = pool.acquire(total);
        final MemorySegment memory = buffer.segment();
        long offset = 0;
        try
        {
            for (int i = 0; i < count; i++)
            {
                final Pending pending = tensors[i];
                if (pending.device() != null)
                {
                    pending.device().copyTo(memory.asSlice(offset, pending.bytes()));
                }
                else
                {
                    MemorySegment.copy(pending.tensor(), 0, memory, offset, pending.bytes());
                }
                memory.asSlice(offset + pending.bytes(), pending.padded() - pending.bytes()).fill((byte)0);
                offset += pending.padded();
            }
        }
        catch (final RuntimeException ex)
        {
            giveBack(buffer);
            throw new IllegalStateException("a tensor of the batch could not be read (was its memory freed?): " + ex, ex);
        }
        return new Batch(Arrays.copyOf(tensors, count), count, buffer, total);
    }

    /** @return the fused tensors, as the collective takes them. */
    MemorySegment memory()
    {
        return buffer.segment().asSlice(0, bytes);
    }

    /** @return how many tensors it holds. */
    int count()
    {
        return count;
    }

    /**
     * @param resultBytes how long the reduced start of the batch is.
     * @return how many whole tensors it holds, or -1 if it ends inside one.
     */
    int tensorsIn(final long resultBytes)
    {
        long offset = 0;
        int tensorsIn = 0;
        while (tensorsIn < count && offset + tensors[tensorsIn].padded() <= resultBytes)
        {
            offset += tensors[tensorsIn++].padded();
        }
        return offset == resultBytes ? tensorsIn : -1;
    }

    /**
     * Completes the first {@code cut} tensors with their results, a device tensor's copied back into
     * it first; the buffer is theirs until each is closed.
     */
    void deliver(final int cut)
    {
        if (cut == 0)
        {
            giveBack(buffer);
            return;
        }
        buffer.hold(cut);
        long offset = 0;
        for (int i = 0; i < cut; i++)
        {
            final Pending pending = tensors[i];
            final MemorySegment view = buffer.segment().asSlice(offset, pending.bytes()).asReadOnly();
            final FusedTensor result = new FusedTensor(view, buffer);
            // a tensor that already failed (fusion closed) keeps its memory as it was: no copy back, its share of the buffer back at once
            if (pending.future().isDone() || !copiedBack(pending, view) || !pending.future().complete(result))
            {
                result.close();
            }
            offset += pending.padded();
        }
    }

    /** @return whether a device tensor's result is back in it (or the tensor is a host one); if not, its future failed, saying why. */
    private static boolean copiedBack(final Pending pending, final MemorySegment result)
    {
        if (pending.device() == null)
        {
            return true;
        }
        try
        {
            pending.device().copyFrom(result);
            return true;
        }
        catch (final RuntimeException ex)
        {
            pending.future().completeExceptionally(new IllegalStateException("the result could not be copied back into "
                + pending.device() + ": " + ex.getMessage(), ex));
            return false;
        }
    }

    /** Fails every tensor of the batch and gives the buffer back. */
    void fail(final Throwable error)
    {
        for (int i = 0; i < count; i++)
        {
            tensors[i].future().completeExceptionally(error);
        }
        giveBack(buffer);
    }

    private static void giveBack(final FusionBuffer buffer)
    {
        buffer.hold(1);
        buffer.release();
    }
}
