package io.fusewire.perf.fusion;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of a query-latency experiment: who takes part, the load, fusion's thresholds, where results go. */
public final class QueryOptions
{
    @Option(names = "--workers", defaultValue = "2", description = "Workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--aggregators", defaultValue = "1", description = "Aggregators (default: ${DEFAULT-VALUE}).")
    int aggregators;

    @Option(names = "--transport", defaultValue = "shm", description = "shm, tcp or verbs (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--rate", defaultValue = "0", description = "Queries per second; 0 measures the sync capacity and takes 80%%.")
    double rate;

    @Option(names = "--duration", defaultValue = "10", description = "Seconds of arrivals per mode (default: ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Option(names = "--fill", defaultValue = "0.75", description = "Fusion fill threshold (default: ${DEFAULT-VALUE}).")
    double fill;

    @Option(names = "--deadline", defaultValue = "0.25", description = "Fusion deadline in ms (default: ${DEFAULT-VALUE}).")
    double deadlineMs;

    @Option(names = "--mode", defaultValue = "both", description = "fused, sync or both (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--out", defaultValue = "fusewire-results", description = "Where the CSV and PNG go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--timeout-s", defaultValue = "300", description = "Bound on each mode's run (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;
}
