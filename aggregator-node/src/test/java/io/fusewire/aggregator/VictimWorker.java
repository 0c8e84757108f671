package io.fusewire.aggregator;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * A worker in a process of its own, to be killed: it joins a job, starts one AllReduce of
 * {@link #ELEMENTS} fp32 elements (its chunks go out; the collective cannot end before the other
 * ranks take part), announces itself, and waits until killed.
 */
final class VictimWorker
{
    static final String IN_COLLECTIVE = "IN_COLLECTIVE";
    static final int ELEMENTS = 100_000;

    private VictimWorker()
    {
    }

    /**
     * @param args transport, aggregator address, job id, rank, world size.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final CommunicatorContext ctx = new CommunicatorContext().transport(args[0]).aggregators(List.of(args[1]))
            .jobId(Long.parseLong(args[2])).rank(Integer.parseInt(args[3])).worldSize(Integer.parseInt(args[4]))
            .secret("s3cret").chunkBytes(16 * 1024).window(4).timeoutMs(60_000).transportContext(Cluster.transportContext());
        try (Communicator communicator = Communicator.connect(ctx))
        {
            communicator.allReduce(Arena.global().allocate(ELEMENTS * 4L), DataType.FLOAT32, ReduceOp.SUM);
            System.out.println(IN_COLLECTIVE + " " + args[3]);
            System.out.flush();
            Thread.currentThread().join();
        }
    }
}
