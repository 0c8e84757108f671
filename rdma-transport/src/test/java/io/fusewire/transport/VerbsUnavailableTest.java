package io.fusewire.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/** On a host whose kernel has no RDMA, asking for verbs fails at once, says why and what to use instead. */
@EnabledIf(value = "noRdmaInKernel", disabledReason = "this kernel has RDMA support")
final class VerbsUnavailableTest
{
    static boolean noRdmaInKernel()
    {
        return !Files.exists(Path.of("/sys/class/infiniband"));
    }

    @Test
    void openingVerbsNamesTheMissingPieceAndTheAlternative()
    {
        final TransportException error = assertThrows(TransportException.class,
            () -> Fabric.open("verbs", new TransportContext()).close());
        final String message = error.getMessage();
        assertTrue(message.contains("--transport tcp"), message);
        final boolean shimBuilt = getClass().getResource("/io/fusewire/native/linux-x86_64/libfusewire-verbs.so") != null;
        assertTrue(shimBuilt ? message.startsWith("no RDMA support in this kernel") : message.contains("no verbs shim"), message);
    }

    @Test
    void theOtherProvidersAreUnaffected()
    {
        assertThrows(TransportException.class, () -> Fabric.open("verbs", new TransportContext()).close());
        try (Fabric tcp = Fabric.open("tcp", new TransportContext());
             Device device = tcp.openDefaultDevice();
             MemoryRegion region = device.allocate(4096))
        {
            assertEquals(4096, region.length());
        }
    }
}
