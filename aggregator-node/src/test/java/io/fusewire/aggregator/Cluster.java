package io.fusewire.aggregator;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.transport.TransportContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/** Aggregators and workers of one or more jobs in this JVM, each worker with its own fabric. */
final class Cluster implements AutoCloseable
{
    private static final AtomicLong JOB_IDS = new AtomicLong(1000);

    final List<AggregatorNode> aggregators = new ArrayList<>();
    final String transport;

    Cluster(final String transport, final int aggregatorCount)
    {
        this.transport = transport;
        for (int a = 0; a < aggregatorCount; a++)
        {
            aggregators.add(AggregatorNode.launch(new AggregatorContext().listen("127.0.0.1:0").transport(transport)
                .stragglerTimeoutMs(2_000).transportContext(transportContext())));
        }
    }

    static TransportContext transportContext()
    {
        return new TransportContext().peerTimeoutMs(2_000).heartbeatIntervalMs(100).connectTimeoutMs(5_000);
    }

    List<String> addresses()
    {
        return aggregators.stream().map(AggregatorNode::address).toList();
    }

    CommunicatorContext worker(final long jobId, final int rank, final int workers)
    {
        return new CommunicatorContext().jobId(jobId).secret("s3cret").rank(rank).worldSize(workers).aggregators(addresses())
            .transport(transport).chunkBytes(16 * 1024).window(4).timeoutMs(10_000).transportContext(transportContext());
    }

    /** Joins N workers to a new job, concurrently (each connect waits for no one). */
    List<Communicator> join(final int workers)
    {
        final long jobId = JOB_IDS.incrementAndGet();
        final List<CompletableFuture<Communicator>> joining = new ArrayList<>();
        for (int rank = 0; rank < workers; rank++)
        {
            final CommunicatorContext ctx = worker(jobId, rank, workers);
            joining.add(CompletableFuture.supplyAsync(() -> Communicator.connect(ctx)));
        }
        return joining.stream().map(CompletableFuture::join).toList();
    }

    @Override
    public void close()
    {
        aggregators.forEach(AggregatorNode::close);
    }
}
