package io.fusewire.transport;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** The contract, over shared memory. */
final class ShmContractTest extends FabricContractTest
{
    @Override
    String provider()
    {
        return "shm";
    }

    @Override
    boolean mapsPeerMemory()
    {
        return true;
    }

    @Test
    void memoryShmDidNotAllocateIsRefusedSayingWhatToDoInstead()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final TransportException refused = assertThrows(TransportException.class,
                () -> server.device.register(arena.allocate(4096)));
            assertTrue(refused.getMessage().contains("Device.allocate"), refused.getMessage());
        }
    }
}
