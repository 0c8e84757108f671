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

    @Option(names = "--rate", defaultValue = "0", description = "Queries per second; 0 measures the sync capacity and runs at --loads.")
    double rate;

    @Option(names = "--loads", defaultValue = "20,50,80,95", split = ",",
        description = "Offered loads, percent of the measured sync capacity (default: ${DEFAULT-VALUE}).")
    double[] loadsPercent;

    @Option(names = "--runs", defaultValue = "3", description = "Runs of every load and mode, interleaved; medians reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--duration", defaultValue = "5", description = "Seconds of arrivals per mode, load and run (default: ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Option(names = "--warmup", defaultValue = "2",
        description = "Seconds of arrivals at the same load before the measured ones, not counted (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--fill", defaultValue = "0.75", description = "Fusion fill threshold (default: ${DEFAULT-VALUE}).")
    double fill;

    @Option(names = "--deadline", defaultValue = "0.25", description = "Fusion deadline in ms (default: ${DEFAULT-VALUE}).")
    double deadlineMs;

    @Option(names = "--fire-when-idle", defaultValue = "true", arity = "1",
        description = "Fused: a tensor goes at once when no batch is in flight (default: ${DEFAULT-VALUE}).")
    boolean fireWhenIdle;

    @Option(names = "--mode", defaultValue = "both", description = "fused, sync or both (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--out", defaultValue = "fusewire-results", description = "Where the CSV and PNG go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--timeout-s", defaultValue = "300", description = "Bound on each mode's run (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;
}
