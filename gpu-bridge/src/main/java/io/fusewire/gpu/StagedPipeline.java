package io.fusewire.gpu;

import org.agrona.concurrent.IdleStrategy;

/**
 * Moves a tensor through a ring of host slots where the network cannot reach its memory, so that
 * copies overlap the reduction: chunk k is copied into slot k mod S, reduced there, and copied
 * back, while chunk k+1 is already being copied in and chunk k-1 back out. Chunks start their
 * reductions in order (every worker issues the same collectives in the same order) and retire in
 * order, so a slot is free again once the chunk S before has been copied back.
 *
 * <pre>
 *  device  [ c0 | c1 | c2 | c3 | c4 | c5 | ... ]        one tensor, cut into slot-sized chunks
 *             |copy in    ^copy out
 *             v           |
 *  slots   [ s0 | s1 | ... | sS-1 ]   pinned host memory the transport writes from and into
 *  chunk k:  copy in -> reduce in the slot -> copy out -> slot free for chunk k+S
 * </pre>
 *
 * The caller's thread drives it; nothing is allocated per chunk. Not thread-safe: one run at a time.
 */
public final class StagedPipeline
{
    /** Where the chunks are copied: the device tensor and the slots. Copies are asynchronous. */
    public interface Staging
    {
        /** Queues the copy of {@code bytes} at {@code offset} of the tensor into the slot. */
        void copyIn(int slot, long offset, long bytes);

        /** @return whether the slot's last copy in is done. */
        boolean copiedIn(int slot);

        /** Queues the copy of the slot's first {@code bytes} to {@code offset} of the tensor. */
        void copyOut(int slot, long offset, long bytes);

        /** @return whether the slot's last copy out is done. */
        boolean copiedOut(int slot);

        /** Waits until every copy queued is done (after a failure, before the memory is let go). */
        void drain();
    }

    /** Reduces one slot in place, asynchronously; started in chunk order. */
    public interface SlotReduction
    {
        /** Starts reducing the slot's first {@code bytes}. */
        void start(int slot, long bytes);

        /**
         * @return whether the slot's reduction is done.
         * @throws IllegalStateException if it failed, saying why.
         */
        boolean done(int slot);
    }

    private final int slots;
    private final long slotBytes;
    private final IdleStrategy idle;
    private long headNs;
    private long tailNs;
    private long totalNs;

    /**
     * @param slots     S, at least 1.
     * @param slotBytes each slot's size.
     * @param idle      how to wait when nothing moved.
     */
    public StagedPipeline(final int slots, final long slotBytes, final IdleStrategy idle)
    {
        if (slots < 1 || slotBytes < 8 || slotBytes % 8 != 0)
        {
            throw new IllegalArgumentException("a staged pipeline takes at least one slot of a multiple of 8 bytes; got " + slots
                + " x " + slotBytes);
        }
        this.slots = slots;
        this.slotBytes = slotBytes;
        this.idle = idle;
    }

    /** @return S. */
    public int slots()
    {
        return slots;
    }

    /** @return each slot's size. */
    public long slotBytes()
    {
        return slotBytes;
    }

    /**
     * Runs the tensor through; returns once every chunk is back in it.
     *
     * @param bytes     the tensor's length.
     * @param staging   the copies.
     * @param reduction the reduction of a slot.
     * @param stallNs   bound on a wait in which nothing moves.
     * @throws IllegalStateException if a reduction failed or nothing moved for {@code stallNs}, saying which chunk waited for what.
     */
    public void run(final long bytes, final Staging staging, final SlotReduction reduction, final long stallNs)
    {
        final long chunks = (bytes + slotBytes - 1) / slotBytes;
        final long startNs = System.nanoTime();
        long copyingIn = 0;
        long reducing = 0;
        long copyingOut = 0;
        long retired = 0;
        long firstReducedNs = startNs;
        long lastReducedNs = startNs;
        long movedNs = startNs;
        idle.reset();
        try
        {
            while (retired < chunks)
            {
                int moved = 0;
                for (; copyingIn < chunks && copyingIn < retired + slots; copyingIn++, moved++)
                {
                    staging.copyIn(slot(copyingIn), copyingIn * slotBytes, length(copyingIn, bytes));
                }
                for (; reducing < copyingIn && staging.copiedIn(slot(reducing)); reducing++, moved++)
                {
                    reduction.start(slot(reducing), length(reducing, bytes));
                }
                for (; copyingOut < reducing && reduction.done(slot(copyingOut)); copyingOut++, moved++)
                {
                    staging.copyOut(slot(copyingOut), copyingOut * slotBytes, length(copyingOut, bytes));
                }
                for (; retired < copyingOut && staging.copiedOut(slot(retired)); retired++, moved++)
                {
                    // the slot is free for chunk retired + slots
                }
                if (moved > 0)
                {
                    movedNs = System.nanoTime();
                    if (reducing > 0 && firstReducedNs == startNs)
                    {
                        firstReducedNs = movedNs;
                    }
                    if (copyingOut == chunks && lastReducedNs == startNs)
                    {
                        lastReducedNs = movedNs;
                    }
                    idle.reset();
                }
                else if (System.nanoTime() - movedNs > stallNs)
                {
                    throw new IllegalStateException("staged pipeline: nothing moved for " + stallNs / 1_000_000 + " ms with "
                        + (chunks - retired) + " of " + chunks + " chunks in flight (" + (copyingIn - reducing) + " copying in, "
                        + (reducing - copyingOut) + " reducing, " + (copyingOut - retired) + " copying out)");
                }
                else
                {
                    idle.idle();
                }
            }
        }
        catch (final RuntimeException ex)
        {
            staging.drain();
            throw ex;
        }
        final long endNs = System.nanoTime();
        headNs = firstReducedNs - startNs;
        tailNs = endNs - lastReducedNs;
        totalNs = endNs - startNs;
    }

    private int slot(final long chunk)
    {
        return (int)(chunk % slots);
    }

    private long length(final long chunk, final long bytes)
    {
        return Math.min(slotBytes, bytes - chunk * slotBytes);
    }

    /** @return the last run's times: where the copies were not hidden behind the reductions, and the whole. */
    public Timeline timeline()
    {
        return new Timeline(headNs, tailNs, totalNs);
    }

    /**
     * One run's times.
     *
     * @param headNs  from its start until the first chunk's reduction started: the copy in not overlapped.
     * @param tailNs  from the last chunk's reduction done until it was back in the tensor: the copy out not overlapped.
     * @param totalNs the whole run.
     */
    public record Timeline(long headNs, long tailNs, long totalNs)
    {
    }
}
