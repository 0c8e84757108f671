package io.fusewire.perf.demo;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.JvmLauncher;
import io.fusewire.transport.Fabric;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire demo}: two worker processes connect over a transport and write into each other's
 * registered memory with write-with-immediate, from 4 KiB to 16 MiB, checking every byte. Exits 0
 * only when both workers checked everything. (The aggregator issue turns this into the AllReduce
 * demo.)
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Start two worker processes that exchange and check data over a transport.",
        "Prints what moved and how fast; exits 0 only if every byte arrived intact."})
public final class DemoCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    private final List<Thread> relays = new ArrayList<>();

    @Option(names = "--transport", defaultValue = "shm", description = "shm or tcp (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "-b", defaultValue = "4K", description = "Smallest size (default: ${DEFAULT-VALUE}).")
    String minBytes;

    @Option(names = "-e", defaultValue = "16M", description = "Largest size (default: ${DEFAULT-VALUE}).")
    String maxBytes;

    @Option(names = "-f", defaultValue = "4", description = "Size factor between rows (default: ${DEFAULT-VALUE}).")
    int factor;

    @Option(names = "--timeout-s", defaultValue = "120", description = "Bound on the whole demo (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    static long[] sizes(final long min, final long max, final int factor)
    {
        if (min <= 0 || max < min || factor < 2)
        {
            throw new IllegalArgumentException("sizes need 0 < -b <= -e and -f >= 2, got -b " + min + " -e " + max + " -f " + factor);
        }
        final List<Long> sizes = new ArrayList<>();
        for (long size = min; size <= max; size *= factor)
        {
            sizes.add(size);
        }
        return sizes.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public Integer call() throws Exception
    {
        sizes(ByteSize.parse(minBytes), ByteSize.parse(maxBytes), factor);
        final PrintWriter out = spec.commandLine().getOut();
        if (!Fabric.PROVIDERS.contains(transport))
        {
            out.println("demo FAILED: unknown transport '" + transport + "': use one of " + Fabric.PROVIDERS);
            return 2;
        }
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        out.println("fusewire demo: 2 worker processes, transport " + transport + ", sizes " + minBytes + " to "
            + maxBytes + ", writes both ways at once, every byte checked");
        final List<String> common = List.of("--transport", transport, "-b", minBytes, "-e", maxBytes, "-f",
            Integer.toString(factor), "--timeout-ms", Long.toString(TimeUnit.SECONDS.toMillis(timeoutSeconds)));
        final List<Process> workers = new ArrayList<>();
        try
        {
            final CompletableFuture<String> address = new CompletableFuture<>();
            workers.add(start(0, "127.0.0.1:0", common, address, out));
            final String listening = address.get(timeoutSeconds, TimeUnit.SECONDS);
            workers.add(start(1, listening, common, null, out));
            final StringBuilder verdict = new StringBuilder();
            boolean passed = true;
            for (int rank = 0; rank < workers.size(); rank++)
            {
                final Process worker = workers.get(rank);
                final long leftNs = Math.max(0, deadlineNs - System.nanoTime());
                if (!worker.waitFor(leftNs, TimeUnit.NANOSECONDS))
                {
                    verdict.append(" worker ").append(rank).append(" did not finish within ").append(timeoutSeconds).append(" s;");
                    passed = false;
                }
                else if (worker.exitValue() != 0)
                {
                    verdict.append(" worker ").append(rank).append(" exited with ").append(worker.exitValue()).append(';');
                    passed = false;
                }
            }
            for (final Thread relay : relays)
            {
                relay.join(TimeUnit.SECONDS.toMillis(5));
            }
            out.println(passed ? "demo PASSED: both workers received every byte intact over " + transport
                : "demo FAILED:" + verdict);
            out.flush();
            return passed ? 0 : 1;
        }
        catch (final TimeoutException | ExecutionException ex)
        {
            out.println("demo FAILED: worker 0 did not start listening within " + timeoutSeconds + " s"
                + (ex instanceof ExecutionException ? ": it exited first (its output is above)" : ""));
            return 1;
        }
        finally
        {
            workers.forEach(Process::destroyForcibly);
        }
    }

    private Process start(final int rank, final String address, final List<String> common,
        final CompletableFuture<String> listening, final PrintWriter out) throws IOException
    {
        final List<String> arguments = new ArrayList<>(List.of("demo-peer", "--rank", Integer.toString(rank), "--address", address));
        arguments.addAll(common);
        final Process process = JvmLauncher.start(arguments);
        relays.add(Thread.ofVirtual().name("demo-relay-" + rank).start(() -> relay(rank, process, listening, out)));
        return process;
    }

    private static void relay(final int rank, final Process process, final CompletableFuture<String> listening,
        final PrintWriter out)
    {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                if (listening != null && line.startsWith(DemoPeerCommand.LISTENING))
                {
                    listening.complete(line.substring(DemoPeerCommand.LISTENING.length()).trim());
                    continue;
                }
                out.println("[worker " + rank + "] " + line);
            }
        }
        catch (final IOException ex)
        {
            out.println("[worker " + rank + "] output lost: " + ex.getMessage());
        }
        if (listening != null)
        {
            listening.completeExceptionally(new IllegalStateException("worker " + rank + " ended before listening"));
        }
    }
}
