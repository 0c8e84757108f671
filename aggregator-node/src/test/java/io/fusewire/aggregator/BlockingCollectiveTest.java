package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The blocking path runs on the caller's thread and allocates nothing once warm. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class BlockingCollectiveTest
{
    private static final int WARM = 3_000;
    private static final int MEASURED = 2_000;
    private static final long ELEMENTS = 3_000; // 12 KB: two chunks

    @Test
    void aBlockingCollectiveAllocatesNothingOnTheCallersThreadOnceWarm()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        try (Cluster cluster = new Cluster("shm", 1))
        {
            final List<Communicator> comms = cluster.join(2);
            final List<CompletableFuture<Long>> allocated = comms.stream().map(comm -> CompletableFuture.supplyAsync(() ->
            {
                final MemorySegment tensor = comm.allocate(4 * ELEMENTS);
                for (int i = 0; i < WARM; i++)
                {
                    comm.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM);
                }
                final long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < MEASURED; i++)
                {
                    comm.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM);
                }
                final long bytes = threads.getCurrentThreadAllocatedBytes() - before;
                tensor.fill((byte)0);
                tensor.setAtIndex(ValueLayout.JAVA_FLOAT, ELEMENTS - 1, 1 + comm.rank());
                comm.allReduceBlocking(tensor, DataType.FLOAT32, ReduceOp.SUM);
                assertEquals(3.0f, tensor.getAtIndex(ValueLayout.JAVA_FLOAT, ELEMENTS - 1), "the sum of 1 and 2");
                return bytes;
            }, task -> Thread.ofPlatform().daemon().start(task))).toList();
            for (int rank = 0; rank < 2; rank++)
            {
                final long bytes = allocated.get(rank).join();
                assertTrue(bytes < MEASURED, "rank " + rank + " allocated " + bytes + " bytes in " + MEASURED
                    + " blocking collectives; a warm blocking collective allocates nothing");
            }
            comms.forEach(Communicator::close);
        }
    }
}
