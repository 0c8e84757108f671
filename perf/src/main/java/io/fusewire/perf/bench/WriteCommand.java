package io.fusewire.perf.bench;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.Sizes;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf write}: one connection streaming one-sided writes with immediates, as
 * {@code ib_write_bw} does, for each size of a sweep: the transport alone, no collective. Over
 * {@code verbs} on one host the writes go through the NIC's loopback, so {@code ib_write_bw} on
 * the same device is the reference to set it beside.
 */
@Command(name = "write", mixinStandardHelpOptions = true,
    description = {"Stream one-sided writes with immediates over one connection, as ib_write_bw does: GB/s per size.",
        "Set it beside ib_write_bw -s SIZE on the same device (verbs) or a plain socket (tcp)."})
public final class WriteCommand implements Callable<Integer>
{
    @Option(names = "--transport", defaultValue = "shm", description = "shm, tcp or verbs (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = {"-b", "--minbytes"}, defaultValue = "4K", description = "Smallest write (default: ${DEFAULT-VALUE}).")
    String minBytes;

    @Option(names = {"-e", "--maxbytes"}, defaultValue = "4M", description = "Largest write (default: ${DEFAULT-VALUE}).")
    String maxBytes;

    @Option(names = {"-f", "--stepfactor"}, defaultValue = "4", description = "Size multiplier (default: ${DEFAULT-VALUE}).")
    int factor;

    @Option(names = "--seconds", defaultValue = "2", description = "Measured time per size, after as long again of warm-up"
        + " (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception
    {
        if (!(seconds > 0 && seconds <= 600))
        {
            throw new IllegalArgumentException("--seconds must be in (0, 600]: " + seconds);
        }
        final long[] sizes = Sizes.sweep(ByteSize.parse(minBytes), ByteSize.parse(maxBytes), factor);
        final PrintWriter out = spec.commandLine().getOut();
        try (FabricPair pair = new FabricPair(transport, sizes[sizes.length - 1]))
        {
            final Thread receiver = Thread.ofPlatform().name("write-receiver").daemon().start(() -> drain(pair));
            out.printf("# fusewire perf write: one connection, %s, %.1f s per size%n", transport, seconds);
            out.printf("%12s %12s %10s %12s%n", "size(B)", "writes", "GB/s", "writes/s");
            final IdleStrategy idle = new BackoffIdleStrategy();
            final Runnable backOff = idle::idle;
            for (final long size : sizes)
            {
                stream(pair, (int)size, seconds, backOff);
                final long before = pair.completions();
                final long start = System.nanoTime();
                stream(pair, (int)size, seconds, backOff);
                final double elapsed = (System.nanoTime() - start) / 1e9;
                final long writes = pair.completions() - before;
                out.printf("%12d %12d %10.3f %12.0f%n", size, writes, writes * size / elapsed / 1e9, writes / elapsed);
                out.flush();
            }
            receiver.interrupt();
            receiver.join(TimeUnit.SECONDS.toMillis(10));
        }
        return 0;
    }

    private static void stream(final FabricPair pair, final int size, final double seconds, final Runnable backOff)
    {
        final long end = System.nanoTime() + (long)(seconds * 1e9);
        while (System.nanoTime() - end < 0)
        {
            pair.write(size, backOff);
        }
    }

    private static void drain(final FabricPair pair)
    {
        final IdleStrategy idle = new BackoffIdleStrategy();
        while (!Thread.currentThread().isInterrupted())
        {
            idle.idle(pair.receiverQueue.poll(c -> { }, 256));
        }
    }
}
