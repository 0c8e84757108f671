package io.fusewire.perf.demo;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.Listener;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportContext;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** One worker of {@code fusewire demo}, in a process of its own. Started by the demo. */
@Command(name = "demo-peer", hidden = true, mixinStandardHelpOptions = true,
    description = "One worker of the demo; 'fusewire demo' starts two of these.")
public final class DemoPeerCommand implements Callable<Integer>
{
    /** The line rank 0 prints once it listens; the demo reads the address from it. */
    static final String LISTENING = "LISTENING ";

    @Option(names = "--rank", required = true, description = "0 listens, 1 connects.")
    int rank;

    @Option(names = "--transport", defaultValue = "shm", description = "shm or tcp (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--address", defaultValue = "127.0.0.1:0", description = "Rank 0: where to listen; rank 1: where rank 0 listens.")
    String address;

    @Option(names = "-b", defaultValue = "4K", converter = ByteSize.class, description = "Smallest size (default: ${DEFAULT-VALUE}).")
    long minBytes;

    @Option(names = "-e", defaultValue = "16M", converter = ByteSize.class, description = "Largest size (default: ${DEFAULT-VALUE}).")
    long maxBytes;

    @Option(names = "-f", defaultValue = "4", description = "Size factor between rows (default: ${DEFAULT-VALUE}).")
    int factor;

    @Option(names = "--timeout-ms", defaultValue = "60000", description = "Bound on each step (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Override
    public Integer call()
    {
        final long[] sizes = DemoCommand.sizes(minBytes, maxBytes, factor);
        try (Fabric fabric = Fabric.open(transport, TransportContext.fromProperties(null)))
        {
            final Device device = fabric.openDefaultDevice();
            final CompletionQueue queue = device.createCompletionQueue();
            final MemoryRegion source = device.allocate(maxBytes);
            final MemoryRegion inbox = device.allocate(maxBytes);
            final Connection connection = rank == 0 ? accept(device, queue, inbox) : device.connect(address, List.of(inbox), queue);
            System.out.println("worker " + rank + " connected to " + connection.peer() + " over " + transport);
            final boolean ok = new ExchangeWorker(rank, connection, queue, source, inbox, sizes.length, timeoutMs, System.out).run(sizes);
            connection.close();
            return ok ? 0 : 1;
        }
    }

    private Connection accept(final Device device, final CompletionQueue queue, final MemoryRegion inbox)
    {
        try (Listener listener = device.listen(address, List.of(inbox), queue))
        {
            System.out.println(LISTENING + listener.address());
            System.out.flush();
            final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            Connection connection;
            while ((connection = listener.accept()) == null)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException("no peer connected to " + listener.address() + " within " + timeoutMs + " ms");
                }
                LockSupport.parkNanos(1_000_000);
            }
            return connection;
        }
    }
}
