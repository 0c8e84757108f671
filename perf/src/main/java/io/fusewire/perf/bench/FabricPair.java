package io.fusewire.perf.bench;

import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.Listener;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.RemoteRegion;
import io.fusewire.transport.TransportContext;
import java.util.List;
import java.time.Duration;

/**
 * Two devices of one fabric in this JVM, connected: the sender's source region and connection,
 * the receiver's queue. For benchmarks of the data path.
 */
final class FabricPair implements AutoCloseable
{
    final Fabric fabric;
    final CompletionQueue senderQueue;
    final CompletionQueue receiverQueue;
    final MemoryRegion source;
    final MemoryRegion target;
    final Connection connection;
    final RemoteRegion remote;
    private long completions;
    private final CompletionHandler countWrites = c -> completions++;

    FabricPair(final String provider, final long regionBytes)
    {
        fabric = Fabric.open(provider, TransportContext.fromProperties(null));
        final Device sender = fabric.openDefaultDevice();
        final Device receiver = fabric.openDefaultDevice();
        senderQueue = sender.createCompletionQueue();
        receiverQueue = receiver.createCompletionQueue();
        source = sender.allocate(regionBytes);
        target = receiver.allocate(regionBytes);
        final Listener listener = receiver.listen("127.0.0.1:0", List.of(target), receiverQueue);
        connection = sender.connect(listener.address(), List.of(source), senderQueue);
        listener.accept(Duration.ofSeconds(10));
        listener.close();
        remote = connection.remoteRegions().getFirst();
    }

    /** Posts one write, polling the sender's queue (and running {@code whileFull}) while back-pressured. */
    void write(final int length, final Runnable whileFull)
    {
        while (connection.write(source, 0, length, remote, 0, 0, 0) == PostResult.BACK_PRESSURED)
        {
            senderQueue.poll(countWrites, 256);
            whileFull.run();
        }
        senderQueue.poll(countWrites, 256);
    }

    /** @return write completions the sender's queue has handed over so far. */
    long completions()
    {
        return completions;
    }

    @Override
    public void close()
    {
        fabric.close();
    }
}
