package io.fusewire.topology.host;

import io.fusewire.topology.Json;
import java.util.List;

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
        return "{\"version\":" + VERSION + ",\"hostname\":" + Json.quote(hostname) + ",\"cpus\":" + cpus
            + ",\"numa_nodes\":" + Json.array(numaNodes.stream().map(n -> "{\"id\":" + n.id() + ",\"cpus\":" + Json.quote(n.cpus()) + "}").toList())
            + ",\"nics\":" + Json.array(nics.stream().map(n -> "{\"name\":" + Json.quote(n.name()) + ",\"state\":" + Json.quote(n.state()) + ",\"mtu\":"
                + n.mtu() + ",\"speed_mbit\":" + n.speedMbit() + ",\"driver\":" + Json.quote(n.driver()) + ",\"numa_node\":" + n.numaNode()
                + ",\"pci_path\":" + Json.strings(n.pciPath()) + ",\"addresses\":" + Json.strings(n.addresses()) + "}").toList())
            + ",\"rdma\":" + Json.array(rdma.stream().map(r -> "{\"name\":" + Json.quote(r.name()) + ",\"port\":" + r.port() + ",\"state\":"
                + Json.quote(r.state()) + ",\"link_layer\":" + Json.quote(r.linkLayer()) + ",\"gid0\":" + Json.quote(r.gid0()) + ",\"netdev\":"
                + Json.quote(r.netdev()) + "}").toList())
            + ",\"gpus\":" + Json.array(gpus.stream().map(g -> "{\"address\":" + Json.quote(g.address()) + ",\"vendor\":" + Json.quote(g.vendor())
                + ",\"device\":" + Json.quote(g.device()) + ",\"numa_node\":" + g.numaNode() + ",\"pci_path\":" + Json.strings(g.pciPath()) + "}").toList())
            + ",\"distances\":" + Json.array(distances.stream().map(d -> "{\"gpu\":" + Json.quote(d.gpu()) + ",\"nic\":" + Json.quote(d.nic())
                + ",\"distance\":" + Json.quote(d.distance().name()) + "}").toList())
            + "}";
    }
}
