package io.fusewire.transport;

/** The contract, over TCP on loopback. */
final class TcpContractTest extends FabricContractTest
{
    @Override
    String provider()
    {
        return "tcp";
    }
}
