package io.fusewire.fusion.worker;

import io.fusewire.transport.Connection;
import io.fusewire.transport.MemoryRegion;

/** How a worker reaches the aggregator that takes over a failed one's chunks: the communicator's job, device and queue. */
public interface Takeovers
{
    /**
     * @param aggregator the failed aggregator's index in the job.
     * @param epoch      its failovers so far, this one included (1, 2, ...).
     * @return the address of the aggregator taking over, or null when none is left to try.
     */
    String address(int aggregator, int epoch);

    /**
     * Connects to it and joins the job that takes over the chunks (blocking; called off the worker's thread).
     *
     * @return the connection, bound to the worker's completion queue.
     * @throws io.fusewire.transport.TransportException if it is unreachable or refused.
     */
    Connection connect(String address, int aggregator, int epoch);

    /** @return registered memory of at least {@code bytes}, for the chunks a failover resends; freed with the communicator. */
    MemoryRegion staging(long bytes);
}
