package io.fusewire.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Device and pinned memory, copies and the staged pipeline on a real GPU; skipped, saying why, where there is none. */
class GpuMemoryTest
{
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private GpuContext gpu;

    @BeforeEach
    void open()
    {
        assumeTrue(Cuda.unavailable().isEmpty(), () -> "no GPU: " + Cuda.unavailable().orElseThrow());
        gpu = GpuContext.open(0);
    }

    @AfterEach
    void close()
    {
        if (gpu != null)
        {
            gpu.close();
        }
    }

    @Test
    void bytesCopiedToTheDeviceComeBackUnchanged()
    {
        final long bytes = (3L << 20) + 4;
        try (Arena arena = Arena.ofConfined(); DeviceBuffer device = gpu.allocate(bytes); PinnedBuffer pinned = gpu.allocatePinned(bytes))
        {
            for (long i = 0; i < bytes / 4; i++)
            {
                pinned.segment().setAtIndex(FLOAT, i, i * 0.5f);
            }
            device.copyFrom(pinned.segment());
            final MemorySegment back = arena.allocate(bytes);
            device.copyTo(back);
            assertEquals(-1, pinned.segment().mismatch(back));
        }
    }

    @Test
    void pinnedMemoryStartsZeroedAndAPinnedViewLeavesTheMemoryAlone()
    {
        try (Arena arena = Arena.ofConfined(); PinnedBuffer pinned = gpu.allocatePinned(1 << 20))
        {
            assertEquals(-1, pinned.segment().mismatch(arena.allocate(1 << 20)));
            final MemorySegment plain = arena.allocate(1 << 20, 4096);
            plain.fill((byte)7);
            gpu.pin(plain).close();
            assertEquals(7, plain.get(ValueLayout.JAVA_BYTE, 12345));
        }
    }

    @Test
    void theStagedPipelineCarriesEveryChunkThroughRealCopies()
    {
        final int slots = 4;
        final long slotBytes = 256 * 1024;
        final long bytes = (5L << 19) + 12; // 10 chunks, the last of 12 bytes
        try (Arena arena = Arena.ofConfined(); DeviceBuffer tensor = gpu.allocate(bytes); PinnedBuffer slotMemory = gpu.allocatePinned(slots * slotBytes);
            CudaStaging staging = new CudaStaging(gpu, slotMemory, slots, slotBytes))
        {
            final MemorySegment host = arena.allocate(bytes);
            for (long i = 0; i < bytes / 4; i++)
            {
                host.setAtIndex(FLOAT, i, i % 1000);
            }
            tensor.copyFrom(host);
            staging.target(tensor);
            final StagedPipeline.SlotReduction doubling = new StagedPipeline.SlotReduction()
            {
                @Override
                public void start(final int slot, final long length)
                {
                    final MemorySegment chunk = slotMemory.segment().asSlice(slot * slotBytes, length);
                    for (long i = 0; i < length / 4; i++)
                    {
                        chunk.setAtIndex(FLOAT, i, chunk.getAtIndex(FLOAT, i) * 2 + 1);
                    }
                }

                @Override
                public boolean done(final int slot)
                {
                    return true;
                }
            };
            new StagedPipeline(slots, slotBytes, new BusySpinIdleStrategy()).run(bytes, staging, doubling, TimeUnit.SECONDS.toNanos(10));
            host.fill((byte)0);
            tensor.copyTo(host);
            for (long i = 0; i < bytes / 4; i++)
            {
                assertEquals((i % 1000) * 2 + 1, host.getAtIndex(FLOAT, i), "element " + i);
            }
        }
    }

    @Test
    void aThousandAllocateFreeCyclesLeaveTheDeviceAsTheyFoundIt()
    {
        final long freeBefore = gpu.memoryInfo()[0];
        for (int cycle = 0; cycle < 1000; cycle++)
        {
            try (DeviceBuffer device = gpu.allocate(1 << 20); PinnedBuffer pinned = gpu.allocatePinned(1 << 20))
            {
                device.copyFrom(pinned.segment());
            }
        }
        assertEquals(0, gpu.openResources());
        assertTrue(freeBefore - gpu.memoryInfo()[0] < 256L << 20, "device free bytes fell from " + freeBefore + " to " + gpu.memoryInfo()[0]);
    }

    @Test
    void refusalsNameTheDriversError()
    {
        final CudaException tooMuch = assertThrows(CudaException.class, () -> gpu.allocate(1L << 50));
        assertTrue(tooMuch.getMessage().contains("CUDA_ERROR_OUT_OF_MEMORY"), tooMuch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GpuContext.open(Cuda.devices().size()));
        assertThrows(IllegalArgumentException.class, () -> gpu.allocate(0));
    }

    @Test
    void closingTheContextClosesWhatItMade()
    {
        final GpuContext other = GpuContext.open(0);
        other.allocate(1 << 20);
        other.allocatePinned(1 << 20);
        other.openStream().newEvent();
        assertEquals(4, other.openResources());
        other.close();
        assertEquals(0, other.openResources());
        assertThrows(IllegalStateException.class, other::makeCurrent);
    }

    @Test
    void deviceMemoryExportsAsADmaBufWhereTheDeviceSupportsIt() throws java.io.IOException
    {
        assumeTrue(Cuda.devices().getFirst().dmaBuf(), "GPU 0 does not support dma-buf");
        try (DeviceBuffer device = gpu.allocate(2L << 20); DmaBuf exported = DmaBuf.export(device))
        {
            assertTrue(exported.fd() >= 0);
            assertEquals(device.address(), exported.address());
            assertTrue(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + exported.fd())).toString().contains("dmabuf"),
                "fd " + exported.fd() + " is not a dma-buf");
        }
        try (DeviceBuffer ragged = gpu.allocate(1000))
        {
            assertThrows(IllegalArgumentException.class, () -> DmaBuf.export(ragged));
        }
    }
}
