package io.fusewire.transport;

/** The contract, over shared memory. */
final class ShmContractTest extends FabricContractTest
{
    @Override
    String provider()
    {
        return "shm";
    }
}
