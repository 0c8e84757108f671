package io.fusewire.aggregator;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import java.util.List;

/** A worker in a process of its own that joins a job and then does nothing until killed. */
final class IdleWorker
{
    static final String JOINED = "JOINED";

    private IdleWorker()
    {
    }

    /**
     * @param args transport, aggregator address, job id, rank, world size.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final CommunicatorContext ctx = new CommunicatorContext().transport(args[0]).aggregators(List.of(args[1]))
            .jobId(Long.parseLong(args[2])).rank(Integer.parseInt(args[3])).worldSize(Integer.parseInt(args[4]))
            .secret("s3cret").chunkBytes(16 * 1024).window(4).transportContext(Cluster.transportContext());
        try (Communicator ignored = Communicator.connect(ctx))
        {
            System.out.println(JOINED + " " + args[3]);
            System.out.flush();
            Thread.currentThread().join();
        }
    }
}
