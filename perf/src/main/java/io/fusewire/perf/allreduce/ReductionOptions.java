package io.fusewire.perf.allreduce;

import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.perf.cli.ByteSize;
import picocli.CommandLine.Option;

/** How a harness worker reduces: the options the sweep and soak workers take from their harness. */
public final class ReductionOptions
{
    @Option(names = "--algo", defaultValue = "aggregator", description = "aggregator, ring, hfba-high or hfba-low.")
    String algorithm;

    @Option(names = "--store", description = "For --algo ring and hfba-*: the rendezvous store, tcp://host:port or file:///dir.")
    String store;

    @Option(names = "--listen-host", defaultValue = "127.0.0.1",
        description = "For --algo ring and hfba-*: the address this worker listens on for its peers (default: ${DEFAULT-VALUE}).")
    String listenHost;

    @Option(names = "--group-size", defaultValue = "2", description = "For --algo hfba-*: ranks per group.")
    int groupSize;

    @Option(names = "--chunk", defaultValue = "256K", converter = ByteSize.class, description = "For --algo aggregator: chunk size.")
    long chunkBytes;

    @Option(names = "--window", defaultValue = "" + CommunicatorContext.WINDOW_DEFAULT, description = "For --algo aggregator: slots per aggregator.")
    int window;

    @Option(names = "--progress", defaultValue = "caller",
        description = "For --algo aggregator: caller (each collective progressed on the calling thread) or agent (on the communicator's thread, through a future).")
    String progress;

    @Option(names = "--trace", description = "For --algo aggregator: print where each size's collectives spend their time.")
    boolean trace;

    @Option(names = "--timeout-ms", defaultValue = "60000", description = "Bound on joining and on each collective.")
    long timeoutMs;

    /** @return aggregator, ring, hfba-high or hfba-low. */
    public String algorithm()
    {
        return algorithm;
    }

    /** @return bound on joining and on each collective, in milliseconds. */
    public long timeoutMs()
    {
        return timeoutMs;
    }
}
