package io.fusewire.fusion.worker;

import io.fusewire.transport.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One aggregator's failover as a worker goes through it: from learning that the aggregator is
 * gone, through dialling the aggregator that takes over its chunks (off the worker's thread), to
 * that aggregator's word on where the stream resumes. What is to be resent waits in its
 * {@link Replay}, staged when the failure was learnt.
 */
final class Takeover
{
    private final int aggregator;
    private final String failedPeer;
    private final String reason;
    private final long failedNs;
    private final long firstLacking;
    private final long streamEnd;
    private final Replay replay;
    private int epoch;
    private String address;
    private CompletableFuture<Connection> dialing;
    private boolean joined;
    private boolean resumeSent;

    /**
     * @param aggregator   the failed aggregator's index.
     * @param failedPeer   its address, for messages.
     * @param reason       how the worker learnt of the failure.
     * @param firstLacking the first position in its stream whose result this worker lacks.
     * @param streamEnd    the position after the last this worker wrote to it.
     * @param replay       what this worker holds from there: results and contributions, staged.
     */
    Takeover(final int aggregator, final String failedPeer, final String reason, final long firstLacking, final long streamEnd,
        final Replay replay)
    {
        this.aggregator = aggregator;
        this.failedPeer = failedPeer;
        this.reason = reason;
        this.failedNs = System.nanoTime();
        this.firstLacking = firstLacking;
        this.streamEnd = streamEnd;
        this.replay = replay;
    }

    /**
     * Dials the aggregator taking over at the given epoch, on a virtual thread.
     *
     * @return false when no aggregator is left to try.
     */
    boolean dial(final Takeovers takeovers, final int nextEpoch)
    {
        epoch = nextEpoch;
        address = takeovers.address(aggregator, nextEpoch);
        if (address == null)
        {
            return false;
        }
        final CompletableFuture<Connection> connected = new CompletableFuture<>();
        dialing = connected;
        final String to = address;
        Thread.ofVirtual().name("fusewire-takeover-" + aggregator).start(() ->
        {
            try
            {
                connected.complete(takeovers.connect(to, aggregator, nextEpoch));
            }
            catch (final RuntimeException ex)
            {
                connected.completeExceptionally(ex);
            }
        });
        return true;
    }

    /** @return the dial's outcome once it is in (and forgets it), else null. */
    CompletableFuture<Connection> dialled()
    {
        final CompletableFuture<Connection> dial = dialing;
        if (dial == null || !dial.isDone())
        {
            return null;
        }
        dialing = null;
        return dial;
    }

    /** The takeover's connection replaced the failed aggregator's: RESUME is due. */
    void joined()
    {
        joined = true;
    }

    /** @return the position RESUME carries once joined and not yet sent, else -1. */
    long resumeDue()
    {
        return joined && !resumeSent ? firstLacking : -1;
    }

    void resumeSent()
    {
        resumeSent = true;
    }

    /** @return a reason to fail the job if the takeover did not resume within the bound, else null. */
    String overdue(final long nowNs, final long timeoutNs)
    {
        return nowNs - failedNs <= timeoutNs ? null : describe() + "; its takeover (epoch " + epoch + ", " + address + ") did not resume"
            + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms: every worker must join it (a worker gone, or one that did"
            + " not see the failure)";
    }

    /** Closes the connection a dial still in flight makes. */
    void abandon()
    {
        if (dialing != null)
        {
            dialing.thenAccept(Connection::close);
        }
    }

    /** @return null if this worker holds every position from {@code from} on, else what it lacks to resume there. */
    String missingFrom(final long from)
    {
        return replay.resumeAt(from, streamEnd);
    }

    /** @return the failover as it went, once the stream resumes at {@code from}. */
    FailoverEvent resumedAt(final long from)
    {
        return new FailoverEvent(aggregator, epoch, failedPeer, address, reason, from, (int)(streamEnd - from), replay.finalsLeft(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedNs));
    }

    Replay replay()
    {
        return replay;
    }

    int epoch()
    {
        return epoch;
    }

    /** @return "aggregator A (peer) is gone: reason". */
    String describe()
    {
        return "aggregator " + aggregator + " (" + failedPeer + ") is gone: " + reason;
    }
}
