package io.fusewire.topology.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host discovery over a sysfs tree laid out as a two-socket GPU server's, and over this machine's own. */
final class HostDiscoveryTest
{
    @TempDir
    Path root;

    @Test
    void aGpuServersTreeGivesItsNicsGpusRdmaAndTheirPciDistances() throws IOException
    {
        final Path sw = Path.of("sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
        final Path gpuA = device(sw.resolve("0000:02:08.0/0000:03:00.0"), "0x030200", 0);
        final Path nic = device(sw.resolve("0000:02:10.0/0000:04:00.0"), "0x020000", 0);
        final Path gpuB = device(Path.of("sys/devices/pci0000:80/0000:80:01.0/0000:81:00.0"), "0x030200", 1);
        final Path gpuC = device(Path.of("sys/devices/pci0000:00/0000:00:03.0/0000:05:00.0"), "0x030200", 0);
        final Path virtio = device(Path.of("sys/devices/pci0000:00/0000:00:05.0"), "0x020000", -1).resolve("virtio2");
        Files.createDirectories(root.resolve(virtio));
        netdev("eth1", nic, "mlx5_core", 100000);
        netdev("eth0", virtio, "virtio_net", -1);
        write("sys/class/infiniband/mlx5_0/ports/1/state", "4: ACTIVE");
        write("sys/class/infiniband/mlx5_0/ports/1/link_layer", "Ethernet");
        write("sys/class/infiniband/mlx5_0/ports/1/gids/0", "fe80:0000:0000:0000:0000:0000:0000:0001");
        write("sys/class/infiniband/mlx5_0/ports/1/gid_attrs/ndevs/0", "eth1");
        write("sys/devices/system/cpu/online", "0-7");
        write("sys/devices/system/node/node0/cpulist", "0-3");
        write("sys/devices/system/node/node1/cpulist", "4-7");
        write("proc/sys/kernel/hostname", "gpu-host-1");

        final HostTopology host = HostDiscovery.discover(root, false);
        assertEquals("gpu-host-1", host.hostname());
        assertEquals(8, host.cpus());
        assertEquals(List.of(new HostTopology.NumaNode(0, "0-3"), new HostTopology.NumaNode(1, "4-7")), host.numaNodes());
        assertEquals(List.of("eth0", "eth1"), host.nics().stream().map(HostTopology.Nic::name).toList(), "loopback is left out");
        final HostTopology.Nic eth1 = host.nics().get(1);
        assertEquals(100000, eth1.speedMbit());
        assertEquals("mlx5_core", eth1.driver());
        assertEquals(List.of("pci0000:00", "0000:00:01.0", "0000:01:00.0", "0000:02:10.0", "0000:04:00.0"), eth1.pciPath());
        assertEquals(List.of("pci0000:00", "0000:00:05.0"), host.nics().getFirst().pciPath(), "a virtio NIC's path ends at its PCI function");
        assertEquals(-1, host.nics().getFirst().speedMbit());
        assertEquals(List.of(new HostTopology.RdmaDevice("mlx5_0", 1, "4: ACTIVE", "Ethernet", "fe80:0000:0000:0000:0000:0000:0000:0001",
            "eth1")), host.rdma());
        assertEquals(3, host.gpus().size());
        final Map<String, PciDistance> toEth1 = host.distances().stream().filter(d -> d.nic().equals("eth1"))
            .collect(Collectors.toMap(HostTopology.Distance::gpu, HostTopology.Distance::distance));
        assertEquals(PciDistance.PIX, toEth1.get(gpuA.getFileName().toString()), "under one PCIe switch");
        assertEquals(PciDistance.SYS, toEth1.get(gpuB.getFileName().toString()), "on the other socket");
        assertEquals(PciDistance.PHB, toEth1.get(gpuC.getFileName().toString()), "another root port of the same root complex");
        assertTrue(host.json().startsWith("{\"version\":1,\"hostname\":\"gpu-host-1\""), host.json());
        assertTrue(host.json().contains("{\"gpu\":\"0000:03:00.0\",\"nic\":\"eth1\",\"distance\":\"PIX\"}"), host.json());
    }

    @Test
    void distancesFollowTheTree()
    {
        final List<String> a = List.of("pci0000:00", "0000:00:01.0", "0000:01:00.0");
        assertEquals(PciDistance.SAME, PciDistance.between(a, 0, a, 0));
        assertEquals(PciDistance.PIX, PciDistance.between(a, 0, List.of("pci0000:00", "0000:00:01.0", "0000:01:00.1"), 0),
            "two functions of one card");
        assertEquals(PciDistance.PXB, PciDistance.between(List.of("pci0000:00", "0000:00:01.0", "0000:01:00.0", "0000:02:00.0",
            "0000:03:00.0", "0000:04:00.0"), 0, a, 0), "through nested switches");
        assertEquals(PciDistance.NODE, PciDistance.between(a, 0, List.of("pci0000:40", "0000:40:01.0"), 0));
        assertEquals(PciDistance.SYS, PciDistance.between(a, 0, List.of(), 0), "not on PCI");
        assertEquals(8, CpuList.count("0-3,8,10-12"));
        assertEquals(0, CpuList.count("x-y"));
        assertEquals(0, CpuList.count("x"), "malformed, not one CPU");
        assertEquals(0, CpuList.count("5-3"), "a backwards range is malformed");
    }

    @Test
    void thisMachineHasCpusAndNoLoopbackAmongItsNics()
    {
        final HostTopology host = HostDiscovery.discover();
        assertTrue(host.cpus() >= 1);
        assertTrue(host.nics().stream().noneMatch(n -> n.name().equals("lo")));
        assertTrue(host.json().contains("\"cpus\":" + host.cpus()));
    }

    /** Makes a PCI function's directory, its attributes and its sys/bus/pci/devices link. */
    private Path device(final Path dir, final String pciClass, final int numa) throws IOException
    {
        write(dir.resolve("class").toString(), pciClass);
        write(dir.resolve("vendor").toString(), "0x10de");
        write(dir.resolve("device").toString(), "0x2335");
        write(dir.resolve("numa_node").toString(), Integer.toString(numa));
        final Path link = root.resolve("sys/bus/pci/devices").resolve(dir.getFileName().toString());
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, root.resolve(dir));
        return dir;
    }

    private void netdev(final String name, final Path device, final String driver, final long speed) throws IOException
    {
        final Path dir = root.resolve("sys/class/net").resolve(name);
        write(dir.resolve("operstate").toString(), "up");
        write(dir.resolve("mtu").toString(), "1500");
        write(dir.resolve("speed").toString(), Long.toString(speed));
        Files.createSymbolicLink(dir.resolve("device"), root.resolve(device));
        final Path drivers = root.resolve("sys/bus/pci/drivers").resolve(driver);
        Files.createDirectories(drivers);
        if (!Files.exists(root.resolve(device).resolve("driver")))
        {
            Files.createSymbolicLink(root.resolve(device).resolve("driver"), drivers);
        }
    }

    private void write(final String relative, final String text) throws IOException
    {
        final Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text + "\n");
    }
}
