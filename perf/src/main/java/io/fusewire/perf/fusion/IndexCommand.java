package io.fusewire.perf.fusion;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf index}: one step of distributed video feature indexing, as ViFusion's LLM
 * backbone runs it. A linear layer is split by its input features over the workers (tensor
 * parallel, row-partitioned): each holds a slice of the weights, multiplies its slice of every
 * arriving frame-feature query, and the partial products are summed by AllReduce through the
 * aggregators, fused or one per query. Every tenth query is checked against the whole layer
 * computed in one process.
 */
@Command(name = "index", mixinStandardHelpOptions = true,
    description = {"Tensor-parallel linear layer over the workers: partial products summed by AllReduce, fused or not.",
        "Reports queries/s and latency; checks results against the layer computed in one process."})
public final class IndexCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    QueryOptions options;

    @Option(names = "--features-in", defaultValue = "1024", description = "Input features per query (default: ${DEFAULT-VALUE}).")
    int featuresIn;

    @Option(names = "--features-out", defaultValue = "256", description = "Output features (default: ${DEFAULT-VALUE}).")
    int featuresOut;

    @Override
    public Integer call() throws Exception
    {
        return new QueryExperiment(options, spec.commandLine().getOut(), "index",
            "linear layer " + featuresIn + " -> " + featuresOut + " split over the workers",
            List.of("--workload", "index", "--features-in", Integer.toString(featuresIn), "--features-out",
                Integer.toString(featuresOut))).run();
    }
}
