package io.fusewire.aggregator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A JVM of its own running a main class of the test classpath; killed for real in failure tests. */
final class ChildProcess implements AutoCloseable
{
    final Process process;
    private final CompletableFuture<String> announced = new CompletableFuture<>();

    ChildProcess(final List<String> jvmOptions, final Class<?> main, final String prefix, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread.ofVirtual().start(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    if (line.startsWith(prefix))
                    {
                        announced.complete(line.substring(prefix.length()).trim());
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the process was killed
            }
            announced.completeExceptionally(new IllegalStateException(main.getSimpleName() + " exited before announcing itself"));
        });
    }

    /** @return what the child printed after the prefix, waiting at most 30 s (times fusewire.test.slowdown). */
    String announcement() throws Exception
    {
        return announced.get(30L * Integer.getInteger("fusewire.test.slowdown", 1), TimeUnit.SECONDS);
    }

    void kill() throws InterruptedException
    {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException
    {
        kill();
    }
}
