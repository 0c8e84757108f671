package io.fusewire.fusion.fuse;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How the workers agree on which waiting tensors fuse into the next batches, so that every worker
 * reduces the same tensors in the same batch. Owned by the fusion thread. An agreement is a short
 * sequence of collectives: {@link #next()} issues the next one, and returns null once the cut is
 * decided, when {@link #batches()} holds it.
 */
interface Cutter
{
    /** A tensor is waiting. */
    void add(Pending pending);

    /**
     * @param idle true when no batch is in flight.
     * @return true when a batch should be cut: something waits and the pipe is idle, or a kind fills the
     *         threshold, or the oldest waited the deadline.
     */
    boolean triggered(long nowNs, boolean idle);

    /** @return the next collective of the agreement, or null when the cut is decided. */
    CompletableFuture<MemorySegment> next();

    /** @return the batches decided, each of one kind and within a buffer (or one oversized tensor). */
    List<Pending[]> batches();

    /** @return every tensor still waiting, removed. */
    List<Pending> drainAll();
}
