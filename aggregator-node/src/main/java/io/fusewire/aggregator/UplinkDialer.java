package io.fusewire.aggregator;

import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.MemoryRegion;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Connects a rack aggregator's tier-2 uplinks ({@link Uplinks}) off the agents' threads, since a
 * connect waits for its handshake (and one of the owners is this daemon itself), and hands each
 * connection, or why it could not be made, to the transport agent.
 */
final class UplinkDialer
{
    /** Which rack this daemon aggregates, and the rack aggregators in rack order (this one included). */
    record Plan(int rack, List<String> owners)
    {
        /** @throws IllegalArgumentException if the rack is not among the owners. */
        Plan
        {
            owners = List.copyOf(owners);
            if (owners.size() < 2 || rack < 0 || rack >= owners.size())
            {
                throw new IllegalArgumentException("a second tier needs at least two rack aggregators and this rack among them; got rack "
                    + rack + " of " + owners);
            }
        }
    }

    /** A connection to an owner for a job, or (connection null) why there is none. */
    record Dialed(long jobId, int owner, Connection connection, String failure)
    {
    }

    private final Device device;
    private final CompletionQueue queue;
    private final Queue<Dialed> dialed = new ConcurrentLinkedQueue<>();
    private volatile Plan plan;

    UplinkDialer(final Device device, final CompletionQueue queue)
    {
        this.device = device;
        this.queue = queue;
    }

    void plan(final Plan next)
    {
        plan = next;
    }

    /** @return the plan, or null where this daemon has no second tier. */
    Plan plan()
    {
        return plan;
    }

    /** Starts connecting a job's uplinks, owner by owner, on a virtual thread. */
    void dial(final long jobId, final byte[] key, final SlotLayout tier1, final Plan second, final MemoryRegion window)
    {
        Thread.ofVirtual().name("uplinks-" + jobId).start(() ->
        {
            for (int owner = 0; owner < second.owners().size(); owner++)
            {
                final String address = second.owners().get(owner);
                try
                {
                    final JoinRequest join = new JoinRequest(jobId | Uplinks.TIER2, second.rack(), second.owners().size(), owner,
                        second.owners().size(), tier1.chunkBytes(), tier1.window());
                    dialed.add(new Dialed(jobId, owner, join.connect(device, address, List.of(window), queue, key), null));
                }
                catch (final RuntimeException ex)
                {
                    dialed.add(new Dialed(jobId, owner, null, "cannot join tier-2 owner " + owner + " at " + address + ": " + ex.getMessage()));
                    return;
                }
            }
        });
    }

    /** @return the next connection made (or failed), or null. */
    Dialed poll()
    {
        return dialed.poll();
    }
}
