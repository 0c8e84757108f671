package io.fusewire.fusion.worker;

/**
 * One aggregator failover as a worker saw it.
 *
 * @param aggregator the failed aggregator's index in the job.
 * @param epoch      its failovers so far, this one included.
 * @param failed     the failed aggregator's address.
 * @param takeover   the address of the aggregator that took over its chunks.
 * @param reason     how the worker learnt of the failure.
 * @param position   where the failed aggregator's stream of chunks resumed.
 * @param resent     chunks this worker resent: results it had, and its contributions.
 * @param results    of those, results it had that another worker lacked.
 * @param tookMs     from learning of the failure to resuming.
 */
public record FailoverEvent(int aggregator, int epoch, String failed, String takeover, String reason, long position, int resent,
    int results, long tookMs)
{
    @Override
    public String toString()
    {
        return "aggregator " + aggregator + " (" + failed + ") failed: " + reason + "; " + takeover + " took over its chunks (epoch "
            + epoch + ") from position " + position + ", " + resent
            + " chunks resent (" + results + " of them results), resumed after " + tookMs + " ms";
    }
}
