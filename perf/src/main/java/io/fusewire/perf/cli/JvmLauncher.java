package io.fusewire.perf.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts Fusewire processes (workers, aggregators) as JVMs of their own, with this JVM's flags and
 * classpath, so that every process of a run sees the same code and settings.
 */
public final class JvmLauncher
{
    private JvmLauncher()
    {
    }

    /**
     * @param arguments the {@code fusewire} command line of the child, e.g. {@code demo-peer --rank 0}.
     * @return the started process, its stdout and stderr piped to this one.
     * @throws IOException if the JVM cannot be started.
     */
    public static Process start(final List<String> arguments) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FusewireCli.class.getName());
        command.addAll(arguments);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
