package io.fusewire.perf.allreduce;

import picocli.CommandLine.Option;

/** The options every AllReduce sweep command takes (perf allreduce, perf compare, the demo): transport, sizes, time bound. */
public final class SweepOptions
{
    @Option(names = "--transport", defaultValue = "shm", description = "shm, tcp or verbs (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "-b", defaultValue = "32K", description = "Smallest size (default: ${DEFAULT-VALUE}).")
    String minBytes;

    @Option(names = "-e", defaultValue = "32M", description = "Largest size (default: ${DEFAULT-VALUE}).")
    String maxBytes;

    @Option(names = "--timeout-s", defaultValue = "300", description = "Bound on each sweep, in seconds (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** @return shm, tcp or verbs. */
    public String transport()
    {
        return transport;
    }

    /** @return the smallest size, as written (e.g. 32K). */
    public String minBytes()
    {
        return minBytes;
    }

    /** @return the largest size, as written. */
    public String maxBytes()
    {
        return maxBytes;
    }

    /** @return bound on each sweep, in seconds. */
    public long timeoutSeconds()
    {
        return timeoutSeconds;
    }

    /**
     * @param algorithm   aggregator, ring, hfba-high or hfba-low.
     * @param workers     N.
     * @param aggregators A.
     * @param factor      size step.
     * @param iterations  timed collectives per size, 0 to pick by size.
     * @param check       verify every element.
     * @param chunk       chunk size.
     * @param window      slots per aggregator.
     * @param progress    caller or agent.
     * @param trace       workers print their phase times.
     * @return the options of a run.
     */
    public AllReduceRun.Options toRun(final String algorithm, final int workers, final int aggregators, final int factor,
        final int iterations, final boolean check, final String chunk, final int window, final String progress, final boolean trace)
    {
        return new AllReduceRun.Options(algorithm, workers, aggregators, transport, minBytes, maxBytes, factor, iterations, check, chunk, window,
            progress, trace, timeoutSeconds);
    }
}
