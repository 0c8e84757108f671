package io.fusewire.perf.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code fusewire bench}: runs the JMH suite, or the benchmarks matching a pattern. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Run the JMH benchmarks (each next to its reference).",
        "Arguments go to JMH: 'fusewire bench ShmWrite -p size=65536', 'fusewire bench -l' lists the benchmarks,",
        "'fusewire bench -- -h' shows JMH's options."})
public final class BenchCommand implements Callable<Integer>
{
    @Unmatched
    List<String> jmhArguments = new ArrayList<>();

    @Override
    public Integer call() throws Exception
    {
        org.openjdk.jmh.Main.main(jmhArguments.toArray(String[]::new));
        return 0;
    }
}
