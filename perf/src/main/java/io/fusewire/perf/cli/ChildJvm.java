package io.fusewire.perf.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A Fusewire process (worker, aggregator) started as a JVM of its own with this JVM's flags and
 * classpath, so every process of a run sees the same code and settings (or a peer program). Its output is read line by
 * line: the first line starting with the announcement prefix completes {@link #announcement()}
 * (how an aggregator tells where it listens); every other line goes to the consumer.
 */
public final class ChildJvm implements AutoCloseable
{
    private final String name;
    private final Process process;
    private final Thread reader;
    private final CompletableFuture<String> announcement = new CompletableFuture<>();

    private ChildJvm(final String name, final List<String> command, final Map<String, String> environment, final String prefix,
        final Consumer<String> onLine) throws IOException
    {
        this.name = name;
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        process = builder.start();
        reader = Thread.ofVirtual().name("relay-" + name).start(() -> read(prefix, onLine));
    }

    /**
     * @param name      for messages, e.g. "worker 1".
     * @param wrapper   what the JVM runs inside, e.g. {@code ip netns exec NS}; empty for nothing.
     * @param arguments the {@code fusewire} command line of the child.
     * @param prefix    the announcement prefix, or null.
     * @param onLine    receives every other line of output.
     * @param jvmOptions added after this JVM's own flags (so they win), e.g. a fixed heap.
     * @return the started process.
     * @throws IOException if the JVM cannot start.
     */
    public static ChildJvm start(final String name, final List<String> wrapper, final List<String> arguments, final String prefix,
        final Consumer<String> onLine, final List<String> jvmOptions) throws IOException
    {
        return start(name, wrapper, arguments, Map.of(), prefix, onLine, jvmOptions);
    }

    /**
     * As {@link #start(String, List, List, String, Consumer, List)}, with variables added to the child's
     * environment: how a job's secret reaches it without showing on its command line.
     */
    public static ChildJvm start(final String name, final List<String> wrapper, final List<String> arguments,
        final Map<String, String> environment, final String prefix, final Consumer<String> onLine, final List<String> jvmOptions)
        throws IOException
    {
        final List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FusewireCli.class.getName());
        command.addAll(arguments);
        return new ChildJvm(name, command, environment, prefix, onLine);
    }

    /**
     * Starts any program the same way (a peer system of the perf harness: Python, mpirun).
     *
     * @param name    for messages.
     * @param command the whole command line.
     * @param onLine  receives every line of output.
     * @return the started process.
     * @throws IOException if it cannot start.
     */
    public static ChildJvm startProgram(final String name, final List<String> command, final Consumer<String> onLine)
        throws IOException
    {
        return new ChildJvm(name, command, Map.of(), null, onLine);
    }

    /** @return what followed the prefix; fails if the process ended first. */
    public CompletableFuture<String> announcement()
    {
        return announcement;
    }

    /**
     * Writes one line to the process's standard input (a command to an agent).
     *
     * @throws IOException if the process no longer reads.
     */
    public void tell(final String line) throws IOException
    {
        final var in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** @return the process id. */
    public long pid()
    {
        return process.pid();
    }

    /** @return the name given at start. */
    public String name()
    {
        return name;
    }

    /**
     * @param timeoutNs how long to wait.
     * @return the exit code, or null if still running.
     * @throws InterruptedException if interrupted.
     */
    public Integer awaitExit(final long timeoutNs) throws InterruptedException
    {
        if (!process.waitFor(Math.max(0, timeoutNs), TimeUnit.NANOSECONDS))
        {
            return null;
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        return process.exitValue();
    }

    /**
     * Stops the process if it still runs: asks (SIGTERM, so it cleans up), then kills after 5 s; then
     * kills what it had started and was still running when this was called (a launcher's daemons and
     * their ranks, when the launcher is stopped early). What an exited process left behind has a new
     * parent by then and is not found.
     */
    @Override
    public void close() throws InterruptedException
    {
        final List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
        reader.join(TimeUnit.SECONDS.toMillis(5));
    }

    private void read(final String prefix, final Consumer<String> onLine)
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                if (prefix != null && !announcement.isDone() && line.startsWith(prefix))
                {
                    announcement.complete(line.substring(prefix.length()).trim());
                }
                else
                {
                    onLine.accept(line);
                }
            }
        }
        catch (final IOException ex)
        {
            onLine.accept("output lost: " + ex.getMessage());
        }
        announcement.completeExceptionally(new IllegalStateException(name + " exited before it was ready"));
    }
}
