package io.fusewire.perf.demo;

import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.perf.allreduce.AllReduceRun;
import io.fusewire.perf.allreduce.SweepOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire demo}: one aggregator and two workers, each a process, run a checked AllReduce
 * sweep from 32 KiB to 32 MiB. Exits 0 only when every element of every size is right.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Start one aggregator and two workers (three processes) and run a checked AllReduce sweep,",
        "32 KiB to 32 MiB. Prints the table and a verdict; exits 0 only if #wrong is 0 everywhere."})
public final class DemoCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        out.println("# fusewire demo: AllReduce (fp32 sum) through 1 aggregator for 2 workers over " + sweep.transport()
            + ", every element checked");
        final AllReduceRun.Result result = AllReduceRun.run(sweep.toRun("aggregator", 2, 1, 2, 0, true, "256K", CommunicatorContext.WINDOW_DEFAULT, "caller", false), out);
        if (result.passed())
        {
            final double best = result.rows().stream().mapToDouble(row -> row.busbw()).max().orElse(0);
            out.printf("demo PASSED: %d sizes, every element right, best busbw %.2f GB/s%n", result.rows().size(), best);
            out.flush();
            return 0;
        }
        out.println("demo FAILED: " + (result.failures().isEmpty()
            ? result.rows().size() + " of " + result.expected() + " sizes finished, #wrong above" : String.join("; ", result.failures())));
        out.flush();
        return 1;
    }
}
