package io.fusewire.perf.cli;

import io.fusewire.perf.PerfCommand;
import io.fusewire.perf.allreduce.AllReduceWorkerCommand;
import io.fusewire.perf.bench.BenchCommand;
import io.fusewire.perf.demo.DemoCommand;
import io.fusewire.perf.fusion.FusionWorkerCommand;
import io.fusewire.perf.gpu.GpuCommand;
import io.fusewire.perf.gpu.GpuWorkerCommand;
import io.fusewire.perf.soak.SoakWorkerCommand;
import io.fusewire.perf.testbed.TestbedCommand;
import io.fusewire.perf.topo.ProbeAgentCommand;
import io.fusewire.perf.topo.TopoCommand;
import io.fusewire.transport.TransportException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fusewire} command line. */
@Command(
    name = "fusewire",
    mixinStandardHelpOptions = true,
    versionProvider = FusewireCli.Version.class,
    description = "Fusewire: an RDMA-native transport and aggregation engine for tensors.",
    subcommands = {DemoCommand.class, AggregatorCommand.class, StatCommand.class, StoreCommand.class, PerfCommand.class, BenchCommand.class, TestbedCommand.class, TopoCommand.class, GpuCommand.class,
        AllReduceWorkerCommand.class, SoakWorkerCommand.class, FusionWorkerCommand.class, GpuWorkerCommand.class, ProbeAgentCommand.class, CommandLine.HelpCommand.class})
public final class FusewireCli
{
    /**
     * @param args the command line.
     */
    public static void main(final String[] args)
    {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        System.exit(commandLine().execute(args));
    }

    /**
     * @return the command line, with bad input and a machine not ready for the command (not root, a
     *     testbed not up, a system command that failed) reported as one line that says what was wrong
     *     (exit code 2), not as a stack trace.
     */
    public static CommandLine commandLine()
    {
        return new CommandLine(new FusewireCli()).setExecutionExceptionHandler((ex, command, parseResult) ->
        {
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException || ex instanceof TransportException
                || ex instanceof UncheckedIOException)
            {
                command.getErr().println("fusewire " + command.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
    }

    /** Prints the version from the jar's manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = FusewireCli.class.getPackage().getImplementationVersion();
            return new String[] {"fusewire " + (version != null ? version : "development build")};
        }
    }
}
