package io.fusewire.transport.support;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;

/** A connection as its {@link PollingCompletionQueue} sees it: something to make progress on. */
public interface Progressable
{
    /**
     * Moves data and hands completions over.
     *
     * @param nowNs      {@link System#nanoTime()} taken once per poll.
     * @param completion the queue's flyweight.
     * @param handler    the caller's handler.
     * @param budget     most completions to hand over, at least 1.
     * @return completions handed over.
     */
    int progress(long nowNs, Completion completion, CompletionHandler handler, int budget);

    /**
     * @return true if the last {@link #progress} moved bytes without completing anything (a large
     *     write part-way on the wire); clears the mark. The queue counts it as work, so that a poller's
     *     idle strategy does not back off in the middle of a transfer.
     */
    boolean movedBytes();

    /** @return true once nothing more will come: the queue then forgets it. */
    boolean isDone();

    /** Closes it; called when the queue is closed. */
    void close();
}
