package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.CommunicatorContext;
import io.fusewire.fusion.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two-tier aggregation with real daemons over tcp: two racks of two workers, each rack's workers a
 * job of their own on their rack aggregator (or on their rack's shards of it), the racks' sums
 * combined chunk by chunk between the rack aggregators; every worker gets the sum of all four.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class HierarchyTest
{
    private static final int RACKS = 2;
    private static final int PER_RACK = 2;

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"INT32", "FLOAT32", "FLOAT16"})
    void everyWorkerGetsTheSumOfAllRacks(final DataType type) throws Exception
    {
        sumAcrossRacks(type, 1, 7001);
    }

    /**
     * Tier 1 sharded by chunk over two aggregators per rack (as on the rack's hosts, so that no one
     * host link carries the whole rack): shard s of each rack exchanges with shard s of the others.
     */
    @Test
    void shardedRackAggregatorsSumAcrossRacksShardByShard() throws Exception
    {
        sumAcrossRacks(DataType.FLOAT32, 2, 7003);
    }

    private static void sumAcrossRacks(final DataType type, final int shards, final long jobId) throws Exception
    {
        try (Cluster racks = new Cluster("tcp", RACKS * shards))
        {
            for (int rack = 0; rack < RACKS; rack++)
            {
                for (int shard = 0; shard < shards; shard++)
                {
                    final int s = shard;
                    racks.aggregators.get(rack * shards + shard).uplinks(rack, IntStream.range(0, RACKS)
                        .mapToObj(r -> racks.addresses().get(r * shards + s)).toList());
                }
            }
            final List<Communicator> workers = join(racks, jobId, shards);
            try
            {
                // one element, a few chunks with a ragged end, many chunks (several windows' worth): back to back
                long bytes = 0;
                for (final long elements : new long[] {1, 3 * 4096 + 5, 200_000, 1, 70_000})
                {
                    AllReduceTest.checkSum(workers, type, elements);
                    bytes += elements * type.bytes();
                }
                for (int rack = 0; rack < RACKS; rack++)
                {
                    final List<AggregatorNode> rackShards = racks.aggregators.subList(rack * shards, rack * shards + shards);
                    assertEquals(bytes, counter(rackShards, "bytes up"), "each rack sends every chunk's rack sum up once, to its owner");
                    assertEquals(bytes, counter(rackShards, "bytes down"), "and gets every chunk's total back");
                    // 2S(R-1)/R each way: the rack sums of the chunks the other rack owns, the totals of those this one owns
                    assertEquals(bytes * 2 * (RACKS - 1) / RACKS, counter(rackShards, "bytes across racks out"), "cross-rack bytes out");
                    assertEquals(bytes * 2 * (RACKS - 1) / RACKS, counter(rackShards, "bytes across racks in"), "cross-rack bytes in");
                    if (shards > 1)
                    {
                        for (final AggregatorNode shard : rackShards)
                        {
                            assertTrue(counter(List.of(shard), "bytes up") > 0, "every shard takes its share of the chunks");
                        }
                    }
                }
            }
            finally
            {
                workers.forEach(Communicator::close);
            }
        }
    }

    @Test
    void aRackAggregatorThatDiesFailsTheOtherRacksWorkersNamingIt()
    {
        try (Cluster racks = new Cluster("tcp", RACKS))
        {
            for (int rack = 0; rack < RACKS; rack++)
            {
                racks.aggregators.get(rack).uplinks(rack, racks.addresses());
            }
            final List<Communicator> workers = join(racks, 7002, 1);
            try
            {
                AllReduceTest.checkSum(workers, DataType.INT32, 10_000);
                racks.aggregators.get(1).close();
                final long start = System.nanoTime();
                final CompletionException failed = assertThrows(CompletionException.class,
                    () -> AllReduceTest.checkSum(workers.subList(0, PER_RACK), DataType.INT32, 10_000), "rack 0's collective");
                final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                assertTrue(String.valueOf(failed.getCause().getMessage()).contains("tier-2 owner 1"), failed::toString);
                assertTrue(seconds < 30, "failed within " + seconds + " s");
            }
            finally
            {
                workers.forEach(Communicator::close);
            }
        }
    }

    /** @return a counter summed over some daemons. */
    private static long counter(final List<AggregatorNode> nodes, final String label) throws Exception
    {
        long sum = 0;
        for (final AggregatorNode node : nodes)
        {
            try (CountersFile file = CountersFile.open(node.countersPath()))
            {
                sum += file.value(label);
            }
        }
        return sum;
    }

    /** Each rack's workers join their own rack's aggregator shards, concurrently, as ranks 0..n-1 of one job id. */
    private static List<Communicator> join(final Cluster racks, final long jobId, final int shards)
    {
        final List<CompletableFuture<Communicator>> joining = new ArrayList<>();
        for (int rack = 0; rack < RACKS; rack++)
        {
            for (int rank = 0; rank < PER_RACK; rank++)
            {
                final CommunicatorContext ctx = new CommunicatorContext().jobId(jobId).secret("racks").rank(rank).worldSize(PER_RACK)
                    .aggregators(racks.addresses().subList(rack * shards, rack * shards + shards)).transport("tcp").chunkBytes(16 * 1024).window(4)
                    .timeoutMs(10_000).transportContext(Cluster.transportContext());
                joining.add(CompletableFuture.supplyAsync(() -> Communicator.connect(ctx), Thread::startVirtualThread));
            }
        }
        return joining.stream().map(CompletableFuture::join).toList();
    }
}
