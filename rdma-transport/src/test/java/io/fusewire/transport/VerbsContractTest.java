package io.fusewire.transport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fusewire.transport.verbs.VerbsFabric;

/**
 * The contract, over RDMA verbs: runs where an RDMA device exists (a RoCE or InfiniBand NIC, or
 * soft-RoCE; the testbed in native/testbed runs it on rxe0 inside a QEMU guest).
 */
final class VerbsContractTest extends FabricContractTest
{
    /** Says why verbs cannot run: no shim built, no rdma-core, no RDMA in the kernel, or no device (inside the testbed a skip fails the run). */
    @Override
    void assumeProviderHere()
    {
        final String reason = VerbsFabric.unavailableReason();
        assumeTrue(reason == null, () -> "verbs cannot run here: " + reason + " (native/testbed/softroce.sh runs these tests on soft-RoCE)");
    }

    @Override
    String provider()
    {
        return "verbs";
    }
}
