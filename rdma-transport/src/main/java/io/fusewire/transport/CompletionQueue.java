package io.fusewire.transport;

/**
 * Where the completions of the connections bound to it are reported. Polling also drives the
 * providers' progress (socket reads and writes, ring drains, heartbeats, peer timeouts): nothing
 * moves unless some thread polls. A queue and the connections bound to it are confined to the
 * thread that polls it; usually an Agrona {@code Agent} whose {@code doWork()} calls
 * {@link #poll}.
 */
public interface CompletionQueue extends AutoCloseable
{
    /**
     * Makes progress and hands up to {@code limit} completions to {@code handler}.
     *
     * @param handler receives each completion.
     * @param limit   most completions to hand over in this call.
     * @return the work done: completions handed over, plus one per connection that moved bytes
     *     without completing anything yet (0 when idle, for an idle strategy).
     */
    int poll(CompletionHandler handler, int limit);

    /** Closes every connection still bound to this queue. */
    @Override
    void close();
}
