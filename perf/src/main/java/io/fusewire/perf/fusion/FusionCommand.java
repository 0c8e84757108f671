package io.fusewire.perf.fusion;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf fusion}: the latency experiment of ViFusion §4.5. Queries (small AllReduces
 * of 4 to 64 KiB by default) arrive as a Poisson process; once each alone ("sync", one collective
 * per query) and once through tensor fusion ("fused"), in the same run, with the same arrivals.
 * Prints throughput and p50/p90/p99 latency, and writes the latency CDF as CSV and PNG.
 */
@Command(name = "fusion", mixinStandardHelpOptions = true,
    description = {"Poisson arrivals of small AllReduce queries, fused vs one collective per query (ViFusion 4.5).",
        "Without --rate, the rate is 80%% of the measured capacity of the sync mode."})
public final class FusionCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    QueryOptions options;

    @Option(names = "--sizes", defaultValue = "4K,16K,64K", description = "Query sizes, drawn uniformly (default: ${DEFAULT-VALUE}).")
    String sizes;

    @Override
    public Integer call() throws Exception
    {
        return new QueryExperiment(options, spec.commandLine().getOut(), "fusion", "sizes " + sizes,
            List.of("--workload", "allreduce", "--sizes", sizes)).run();
    }
}
