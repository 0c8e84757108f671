package io.fusewire.transport;

import io.fusewire.transport.verbs.VerbsFabric;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The contract, over RDMA verbs: runs where an RDMA device exists (a RoCE or InfiniBand NIC, or
 * soft-RoCE; the testbed in native/testbed runs it on rxe0 inside a QEMU guest).
 */
@EnabledIf(value = "rdmaDeviceHere", disabledReason = "no RDMA device on this host: run native/testbed/softroce.sh")
final class VerbsContractTest extends FabricContractTest
{
    static boolean rdmaDeviceHere()
    {
        return VerbsFabric.unavailableReason() == null;
    }

    @Override
    String provider()
    {
        return "verbs";
    }
}
