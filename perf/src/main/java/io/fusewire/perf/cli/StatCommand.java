package io.fusewire.perf.cli;

import io.fusewire.aggregator.CountersFile;
import io.fusewire.transport.TransportContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire stat}: the counters of the aggregator daemons on this host, read from their files;
 * or with {@code --remote} the status a daemon serves on its metrics port.
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = {"Print the counters of every aggregator daemon on this host (bytes in and out, chunks, jobs, errors)",
        "and, with --errors, their distinct error logs; with --remote HOST:PORT, the status of a daemon started with",
        "--metrics-port PORT there (its jobs, who joined them from where, counters and errors)."})
public final class StatCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = TransportContext.SHM_DIRECTORY_DEFAULT,
        description = "Where the daemons keep their counters files (default: ${DEFAULT-VALUE}).")
    Path directory;

    @Option(names = "--errors", description = "Also print each daemon's distinct error log (job failures, agent errors).")
    boolean errors;

    @Option(names = "--remote", paramLabel = "HOST:PORT", description = "A daemon's metrics port: print its /status.")
    String remote;

    @Override
    public Integer call() throws IOException, InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (remote != null)
        {
            out.print(RemoteStatus.fetch(remote));
            out.flush();
            return 0;
        }
        int found = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "fusewire-*-counters-*"))
        {
            for (final Path file : files)
            {
                final CountersFile counters = CountersFile.open(file);
                if (counters == null)
                {
                    continue;
                }
                found++;
                final boolean running = ProcessHandle.of(counters.pid()).map(ProcessHandle::isAlive).orElse(false);
                out.println("aggregator pid " + counters.pid() + (running ? " (running)" : " (exited; last values)") + ", " + file);
                counters.report(out, errors);
            }
        }
        if (found == 0)
        {
            out.println("no aggregator counters in " + directory + ": is a daemon running here (./fusewire aggregator)?");
        }
        out.flush();
        return 0;
    }
}
