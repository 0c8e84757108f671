package io.fusewire.perf.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the testbed's system commands (ip, tc), each bounded, failing with the command and its error output. */
final class Commands
{
    private static final long TIMEOUT_S = 30;

    private Commands()
    {
    }

    /**
     * @return the command's standard output.
     * @throws IllegalStateException if it failed, ran past its bound or could not start, saying which and why.
     */
    static String run(final List<String> command)
    {
        return run(command, null);
    }

    /**
     * @param command an {@code ip} command line without its object, e.g. {@code ip -n NS}, when {@code batch} is given.
     * @param batch   lines for {@code ip -batch}, each an object and its arguments (one process for them all), or null.
     * @return the command's standard output.
     * @throws IllegalStateException if it failed, ran past its bound or could not start, saying which and why.
     */
    static String run(final List<String> command, final List<String> batch)
    {
        Path output = null;
        Path input = null;
        try
        {
            output = Files.createTempFile("fusewire-testbed", ".out"); // read once it exited: a pipe would be read without a bound
            final List<String> line = new ArrayList<>(command);
            if (batch != null)
            {
                input = Files.write(Files.createTempFile("fusewire-testbed", ".batch"), batch, StandardCharsets.UTF_8);
                line.addAll(List.of("-batch", input.toString()));
            }
            final Process process = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + TIMEOUT_S + " s");
            }
            final String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0)
            {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + text.strip());
            }
            return text;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("could not run " + command.getFirst() + " (iproute2 installed?): " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), ex);
        }
        finally
        {
            deleteQuietly(output);
            deleteQuietly(input);
        }
    }

    private static void deleteQuietly(final Path file)
    {
        try
        {
            if (file != null)
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException ex)
        {
            // a temporary file left behind in the temp directory: harmless
        }
    }

    /** @return the network namespaces on this machine. */
    static List<String> namespaces()
    {
        return run(List.of("ip", "netns", "list")).lines().map(line -> line.split(" ")[0]).filter(name -> !name.isEmpty()).toList();
    }
}
