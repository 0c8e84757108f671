package io.fusewire.topology.host;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What one host has, as sysfs tells it: CPUs and NUMA nodes, network interfaces, RDMA devices,
 * GPUs, and how far each GPU is from each NIC on the PCI tree. {@link #json()} is a versioned
 * document ({@link #VERSION}).
 *
 * @param hostname  the host's name.
 * @param cpus      online CPUs.
 * @param numaNodes NUMA nodes with their CPU lists.
 * @param nics      network interfaces, loopback excluded.
 * @param rdma      RDMA devices.
 * @param gpus      GPUs found by PCI class (no driver needed).
 * @param distances each GPU to each NIC that is on PCI.
 */
public record HostTopology(String hostname, int cpus, List<NumaNode> numaNodes, List<Nic> nics, List<RdmaDevice> rdma,
    List<PciDevice> gpus, List<Distance> distances)
{
    /** The document's schema version. */
    public static final int VERSION = 1;

    /**
     * @param id   its number.
     * @param cpus its CPUs, as the kernel lists them ({@code 0-15,32-47}).
     */
    public record NumaNode(int id, String cpus)
    {
    }

    /**
     * @param name      e.g. eth0.
     * @param state     operstate: up, down, unknown.
     * @param mtu       bytes.
     * @param speedMbit link speed, -1 where the driver does not say (virtual NICs).
     * @param driver    the kernel driver, or "".
     * @param numaNode  -1 if unknown.
     * @param pciPath   from the root complex down; empty if not on PCI.
     * @param addresses IPv4 and IPv6 addresses, where visible from this process.
     */
    public record Nic(String name, String state, int mtu, long speedMbit, String driver, int numaNode, List<String> pciPath,
        List<String> addresses)
    {
    }

    /**
     * @param name    e.g. mlx5_0 or rxe0.
     * @param port    the port number.
     * @param state   e.g. "4: ACTIVE".
     * @param linkLayer InfiniBand or Ethernet.
     * @param gid0    the port's first GID.
     * @param netdev  the network interface behind it, or "".
     */
    public record RdmaDevice(String name, int port, String state, String linkLayer, String gid0, String netdev)
    {
    }

    /**
     * @param address  its PCI address.
     * @param vendor   e.g. 0x10de.
     * @param device   e.g. 0x2335.
     * @param numaNode -1 if unknown.
     * @param pciPath  from the root complex down.
     */
    public record PciDevice(String address, String vendor, String device, int numaNode, List<String> pciPath)
    {
    }

    /**
     * @param gpu      a GPU's PCI address.
     * @param nic      a NIC's name.
     * @param distance how far apart.
     */
    public record Distance(String gpu, String nic, PciDistance distance)
    {
    }

    /** @return the whole document as JSON. */
    public String json()
    {
        return "{\"version\":" + VERSION + ",\"hostname\":" + quote(hostname) + ",\"cpus\":" + cpus
            + ",\"numa_nodes\":" + array(numaNodes.stream().map(n -> "{\"id\":" + n.id() + ",\"cpus\":" + quote(n.cpus()) + "}").toList())
            + ",\"nics\":" + array(nics.stream().map(n -> "{\"name\":" + quote(n.name()) + ",\"state\":" + quote(n.state()) + ",\"mtu\":"
                + n.mtu() + ",\"speed_mbit\":" + n.speedMbit() + ",\"driver\":" + quote(n.driver()) + ",\"numa_node\":" + n.numaNode()
                + ",\"pci_path\":" + strings(n.pciPath()) + ",\"addresses\":" + strings(n.addresses()) + "}").toList())
            + ",\"rdma\":" + array(rdma.stream().map(r -> "{\"name\":" + quote(r.name()) + ",\"port\":" + r.port() + ",\"state\":"
                + quote(r.state()) + ",\"link_layer\":" + quote(r.linkLayer()) + ",\"gid0\":" + quote(r.gid0()) + ",\"netdev\":"
                + quote(r.netdev()) + "}").toList())
            + ",\"gpus\":" + array(gpus.stream().map(g -> "{\"address\":" + quote(g.address()) + ",\"vendor\":" + quote(g.vendor())
                + ",\"device\":" + quote(g.device()) + ",\"numa_node\":" + g.numaNode() + ",\"pci_path\":" + strings(g.pciPath()) + "}").toList())
            + ",\"distances\":" + array(distances.stream().map(d -> "{\"gpu\":" + quote(d.gpu()) + ",\"nic\":" + quote(d.nic())
                + ",\"distance\":" + quote(d.distance().name()) + "}").toList())
            + "}";
    }

    private static String strings(final List<String> values)
    {
        return array(values.stream().map(HostTopology::quote).toList());
    }

    private static String array(final List<String> elements)
    {
        return elements.stream().collect(Collectors.joining(",", "[", "]"));
    }

    private static String quote(final String text)
    {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
