package io.fusewire.aggregator;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A standby's warm-up: two workers in the daemon's own process run AllReduces of every data type
 * through the daemon, over its own transport, before it announces itself. A failover then finds
 * the sums compiled and the daemon's paths exercised: measured, a cold standby's first collective
 * took about as long as any daemon's first one (several times a warm one's).
 */
final class StandbyWarmUp
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.aggregator");
    private static final int WORKERS = 2;
    private static final long ELEMENTS = 1 << 18;
    private static final long BUDGET_NS = TimeUnit.SECONDS.toNanos(2);
    private static final int MAX_ROUNDS = 64;

    private StandbyWarmUp()
    {
    }

    /**
     * @param address the daemon's address.
     * @param context its configuration (transport and its settings).
     */
    static void run(final String address, final AggregatorContext context)
    {
        final long began = System.nanoTime();
        final long jobId = new SecureRandom().nextLong(1L << 62);
        final List<CompletableFuture<Communicator>> joining = new ArrayList<>();
        for (int rank = 0; rank < WORKERS; rank++)
        {
            final CommunicatorContext worker = new CommunicatorContext().aggregators(List.of(address)).transport(context.transport())
                .transportContext(context.transportContext()).jobId(jobId).secret(Long.toHexString(jobId)).rank(rank).worldSize(WORKERS);
            joining.add(CompletableFuture.supplyAsync(() -> Communicator.connect(worker), task -> Thread.ofVirtual().start(task)));
        }
        final List<Communicator> workers = joining.stream().map(CompletableFuture::join).toList();
        int rounds = 0;
        try
        {
            final List<MemorySegment> tensors = workers.stream().map(worker -> worker.allocate(ELEMENTS * Float.BYTES)).toList();
            while (rounds < MAX_ROUNDS && System.nanoTime() - began < BUDGET_NS)
            {
                final DataType type = DataType.values()[rounds % DataType.values().length];
                final List<CompletableFuture<MemorySegment>> sums = new ArrayList<>();
                for (int rank = 0; rank < WORKERS; rank++)
                {
                    sums.add(workers.get(rank).allReduce(tensors.get(rank).asSlice(0, ELEMENTS * type.bytes()), type, ReduceOp.SUM));
                }
                sums.forEach(CompletableFuture::join);
                rounds++;
            }
        }
        finally
        {
            workers.forEach(Communicator::close);
        }
        LOG.log(System.Logger.Level.INFO, "standby warmed up: " + rounds + " AllReduces through itself in "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began) + " ms");
    }
}
