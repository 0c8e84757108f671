package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.protocol.ChunkImmediate;
import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A slot's state machine on its own: sums, and results resent after a failover ({@link ChunkImmediate#FINAL}). */
final class SlotPoolTest
{
    private static final int WORKERS = 3;
    private static final int CHUNK = 4096;

    @TempDir
    Path directory;
    private Fabric fabric;
    private CountersFile file;
    private AggregatorCounters counters;
    private SlotLayout layout;
    private MemoryRegion inbox;
    private MemoryRegion accumulators;
    private MemoryRegion results;
    private SlotPool pool;

    @BeforeEach
    void setUp()
    {
        fabric = Fabric.open("shm", new TransportContext().shmDirectory(directory));
        final Device device = fabric.openDefaultDevice();
        file = CountersFile.create(directory);
        counters = new AggregatorCounters(file);
        layout = SlotLayout.of(new JoinRequest(1, 0, WORKERS, 0, 1, CHUNK, 2));
        inbox = device.allocate(layout.inboxBytes());
        accumulators = device.allocate(layout.accumulatorBytes());
        results = device.allocate(layout.resultAreaBytes());
        pool = new SlotPool(layout, inbox, accumulators, results, counters);
    }

    @AfterEach
    void tearDown()
    {
        file.close();
        fabric.close();
    }

    @Test
    void aResentResultIsTheSlotsResultWhateverTheOthersContributedThenTheSlotSumsAgain()
    {
        final int elements = 100;
        contribute(0, 0, elements, 1f, 0);
        contribute(0, 1, elements, 1000f, ChunkImmediate.FINAL);
        assertEquals(0, contribute(0, 2, elements, 2f, 0), "ready once every worker's chunk is in");
        assertEquals(1000f, result(0, elements, 4), "the result as it came, not 1 + 1000 + 2");
        assertEquals(1, counters.finalsTaken.get());
        pool.release(0);
        for (int rank = 0; rank < WORKERS; rank++)
        {
            pool.onResultWritten(0, 0);
        }
        contribute(0, 0, elements, 1f, 0, 1);
        contribute(0, 1, elements, 10f, 0, 1);
        assertEquals(0, contribute(0, 2, elements, 100f, 0, 1));
        assertEquals(111f, result(0, elements, 4), "the slot's next use sums again");
    }

    @Test
    void aResentSixteenBitResultLandsInTheResultArea()
    {
        final int elements = 64;
        final short half = Float.floatToFloat16(3.5f);
        for (int rank = 0; rank < WORKERS; rank++)
        {
            final long at = layout.inboxOffset(1, rank);
            for (int i = 0; i < elements; i++)
            {
                inbox.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, rank == 2 ? half : Float.floatToFloat16(9f));
            }
            final int immediate = ChunkImmediate.encode(1, 0, DataType.FLOAT16.code(), ReduceOp.SUM.code())
                | (rank == 2 ? ChunkImmediate.FINAL : 0);
            assertEquals(rank == WORKERS - 1 ? 1 : -1, pool.onChunk(rank, immediate, 2 * elements, 0));
        }
        assertEquals(SlotLayout.RESULTS, pool.resultRegion(1));
        assertEquals(half, results.segment().get(ValueLayout.JAVA_SHORT_UNALIGNED, pool.resultOffset(1) + 2L * (elements - 1)));
    }

    private int contribute(final int slot, final int rank, final int elements, final float value, final int flag)
    {
        return contribute(slot, rank, elements, value, flag, 0);
    }

    private int contribute(final int slot, final int rank, final int elements, final float value, final int flag, final int generation)
    {
        final MemorySegment at = inbox.segment().asSlice(layout.inboxOffset(slot, rank), CHUNK);
        for (int i = 0; i < elements; i++)
        {
            at.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
        }
        return pool.onChunk(rank, ChunkImmediate.encode(slot, generation, DataType.FLOAT32.code(), ReduceOp.SUM.code()) | flag,
            elements * Float.BYTES, 0);
    }

    /** @return the result's last element (all are the same). */
    private float result(final int slot, final int elements, final int typeBytes)
    {
        final MemorySegment region = pool.resultRegion(slot) == SlotLayout.ACCUMULATORS ? accumulators.segment() : results.segment();
        return region.get(ValueLayout.JAVA_FLOAT_UNALIGNED, layout.resultOffset(slot, typeBytes) + (long)typeBytes * (elements - 1));
    }
}
