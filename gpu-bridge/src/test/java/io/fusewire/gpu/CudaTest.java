package io.fusewire.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clean absence of a driver (or, on a GPU host, its presence) and the peer-memory module read from sysfs. */
class CudaTest
{
    @Test
    void withoutADriverEveryEntryPointSaysWhyInOneSentence()
    {
        final var reason = Cuda.unavailable();
        if (reason.isEmpty())
        {
            assertFalse(Cuda.devices().isEmpty(), "a driver that initialised sees a device"); // a GPU host: GpuMemoryTest covers the rest
            assertTrue(Cuda.driverVersion() >= 11_000, "driver " + Cuda.driverVersion());
            return;
        }
        assertTrue(reason.get().contains("CUDA"), reason.get());
        assertFalse(reason.get().contains("\n"));
        assertEquals(reason.get(), assertThrows(IllegalStateException.class, Cuda::devices).getMessage());
        assertEquals(reason.get(), assertThrows(IllegalStateException.class, () -> GpuContext.open(0)).getMessage());
    }

    @Test
    void peerMemoryModuleIsReadFromSysfs(@TempDir final Path sys) throws IOException
    {
        assertTrue(PeerMemory.loaded(sys).isEmpty());
        Files.createDirectories(sys.resolve("module/nv_peer_mem"));
        assertEquals("nv_peer_mem", PeerMemory.loaded(sys).orElseThrow());
        Files.createDirectories(sys.resolve("module/nvidia_peermem"));
        Files.writeString(sys.resolve("module/nvidia_peermem/version"), "580.65.06\n");
        assertEquals("nvidia_peermem 580.65.06", PeerMemory.loaded(sys).orElseThrow());
    }
}
