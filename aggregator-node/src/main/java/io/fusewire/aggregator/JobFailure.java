package io.fusewire.aggregator;

/**
 * A job failed, as the error log records it: the job and the reason, no stack trace (the reason
 * says what happened; where in the daemon is of no use to an operator).
 */
final class JobFailure extends RuntimeException
{
    JobFailure(final long jobId, final String reason)
    {
        super("job " + jobId + " failed: " + reason, null, false, false);
    }
}
