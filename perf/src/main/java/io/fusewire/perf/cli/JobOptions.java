package io.fusewire.perf.cli;

import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.transport.TransportContext;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/** Who a harness worker is in its job: the options every worker process takes from its harness. */
public final class JobOptions
{
    @Option(names = "--rank", required = true, description = "This worker's rank.")
    int rank;

    @Option(names = "--workers", required = true, description = "Workers in the job.")
    int workers;

    @Option(names = "--aggregators", split = ",", description = "The aggregators' addresses, in the job's order.")
    String[] aggregators = new String[0];

    @Option(names = "--transport", defaultValue = "shm", description = "shm, tcp or verbs.")
    String transport;

    @Option(names = "--job", defaultValue = "0", description = "The job id.")
    long job;

    /** Where a worker finds its job's secret: its environment, which ps does not show to other users as it shows command lines. */
    public static final String SECRET_VARIABLE = "FUSEWIRE_JOB_SECRET";

    private final String secret = System.getenv().getOrDefault(SECRET_VARIABLE, "");

    /** @return this worker's rank. */
    public int rank()
    {
        return rank;
    }

    /** @return workers in the job. */
    public int workers()
    {
        return workers;
    }

    /** @return shm or tcp. */
    public String transport()
    {
        return transport;
    }

    /** @return the job id. */
    public long job()
    {
        return job;
    }

    /** @return the job's secret. */
    public String secret()
    {
        return secret;
    }

    /** @return the aggregators' addresses. */
    public List<String> aggregators()
    {
        return Arrays.asList(aggregators);
    }

    /**
     * @param timeoutMs bound on a collective making no progress.
     * @return the communicator settings of this worker, transport settings from system properties.
     */
    public CommunicatorContext communicator(final long timeoutMs)
    {
        return new CommunicatorContext().jobId(job).secret(secret).rank(rank).worldSize(workers).aggregators(aggregators())
            .transport(transport).timeoutMs(timeoutMs).transportContext(TransportContext.fromProperties(null));
    }
}
