package io.fusewire.topology.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-written host documents: read back what discovery writes, correct a VM's discovery, replace it, refuse typos. */
final class TopologyFileTest
{
    /** A VM as sysfs shows it: a virtio NIC with no speed, its PCI tree flattened, no GPU (passed through, but hidden). */
    private static final HostTopology VM = new HostTopology("vm-1", 4, List.of(new HostTopology.NumaNode(0, "0-3")),
        List.of(new HostTopology.Nic("ens5", "up", 9001, -1, "ena", -1, List.of(), List.of("10.0.0.5"))), List.of(), List.of(), List.of());

    @Test
    void whatDiscoveryWritesReadsBackTheSame()
    {
        final HostTopology server = new HostTopology("gpu-host", 8, List.of(new HostTopology.NumaNode(0, "0-3"),
            new HostTopology.NumaNode(1, "4-7")), List.of(new HostTopology.Nic("eth1", "up", 1500, 100000, "mlx5_core", 0,
            List.of("pci0000:00", "0000:00:01.0", "0000:04:00.0"), List.of("10.1.0.2", "fe80::1"))),
            List.of(new HostTopology.RdmaDevice("mlx5_0", 1, "4: ACTIVE", "Ethernet", "fe80:0000:0000:0000:0000:0000:0000:0001", "eth1")),
            List.of(new HostTopology.PciDevice("0000:03:00.0", "0x10de", "0x2335", 0, List.of("pci0000:00", "0000:00:01.0", "0000:03:00.0"))),
            List.of(new HostTopology.Distance("0000:03:00.0", "eth1", PciDistance.PIX)));
        final String replace = server.json().replaceFirst("\"version\":1,", "\"version\":1,\"mode\":\"replace\",");
        assertEquals(server, TopologyFile.apply(VM, replace));
    }

    @Test
    void aFileCorrectsAVmsDiscoveryAndTheDistancesFollowThePaths()
    {
        final HostTopology host = TopologyFile.apply(VM, """
            {"version": 1,
             "nics": [{"name": "ens5", "state": "up", "speed_mbit": 100000, "numa_node": 0, "pci_path": ["pci0000:00", "0000:00:05.0"]}],
             "gpus": [{"address": "0000:00:1e.0", "vendor": "0x10de", "numa_node": 0, "pci_path": ["pci0000:00", "0000:00:1e.0"]},
                      {"address": "0000:00:1f.0", "vendor": "0x10de", "numa_node": 0, "pci_path": ["pci0000:00", "0000:00:1f.0"]}],
             "distances": [{"gpu": "0000:00:1f.0", "nic": "ens5", "distance": "PIX"}]}
            """);
        assertEquals("vm-1", host.hostname(), "kept from discovery");
        assertEquals(VM.numaNodes(), host.numaNodes());
        assertEquals(100000, host.nics().getFirst().speedMbit(), "the file's entry for ens5 replaces discovery's");
        assertEquals(List.of(), host.nics().getFirst().addresses(), "the whole entry: what it leaves out is unknown");
        assertEquals(List.of(new HostTopology.Distance("0000:00:1e.0", "ens5", PciDistance.PHB),
            new HostTopology.Distance("0000:00:1f.0", "ens5", PciDistance.PIX)), host.distances(),
            "worked out from the paths (one root complex), unless the file says otherwise");
    }

    @Test
    void replaceTakesTheFileAloneButTheNameAndCpus()
    {
        final HostTopology host = TopologyFile.apply(VM, "{\"version\":1,\"mode\":\"replace\",\"nics\":[{\"name\":\"ib0\"}]}");
        assertEquals(new HostTopology("vm-1", 4, List.of(), List.of(new HostTopology.Nic("ib0", "unknown", 1500, -1, "", -1, List.of(),
            List.of())), List.of(), List.of(), List.of()), host);
    }

    @Test
    void mistakesAreRefusedSayingWhereAndWhat()
    {
        assertEquals("nics[0]: unknown member \"speed\" (known: name, state, mtu, speed_mbit, driver, numa_node, pci_path, addresses)",
            refused("{\"version\":1,\"nics\":[{\"name\":\"ens5\",\"speed\":100}]}"));
        assertEquals("\"version\" must be 1 (the schema `fusewire topo --json` writes)", refused("{\"nics\":[]}"));
        assertEquals("\"mode\" is \"extend\" or \"replace\"; got \"merge\"", refused("{\"version\":1,\"mode\":\"merge\"}"));
        assertEquals("gpus[0]: \"address\" is missing", refused("{\"version\":1,\"gpus\":[{\"vendor\":\"0x10de\"}]}"));
        assertEquals("nics[0].mtu: expected a whole number, got 1500.5", refused("{\"version\":1,\"nics\":[{\"name\":\"a\",\"mtu\":1500.5}]}"));
        assertEquals("distances[0].distance: \"NEAR\" is none of [SAME, PIX, PXB, PHB, NODE, SYS]",
            refused("{\"version\":1,\"distances\":[{\"gpu\":\"g\",\"nic\":\"n\",\"distance\":\"NEAR\"}]}"));
        assertEquals("line 2, column 12: expected ',', found '\"'", refused("{\"version\":1,\n \"cpus\": 4 \"nics\": []}"));
        assertEquals("line 1, column 11: member 'cpus' given twice", refused("{\"cpus\":1,\"cpus\":2}"));
        assertEquals("the document must be an object {...}", refused("[1]"));
        assertEquals("distances[0]: \"gpu\" is missing", refused("{\"version\":1,\"distances\":[{\"nic\":\"ens5\",\"distance\":\"PIX\"}]}"));
        assertEquals("distances: 0000:00:1e.0 -> ens9 names a GPU or NIC that neither discovery nor the file has (GPUs: [], NICs: [ens5])",
            refused("{\"version\":1,\"distances\":[{\"gpu\":\"0000:00:1e.0\",\"nic\":\"ens9\",\"distance\":\"PIX\"}]}"));
    }

    private static String refused(final String json)
    {
        return assertThrows(IllegalArgumentException.class, () -> TopologyFile.apply(VM, json)).getMessage();
    }
}
