package io.fusewire.topology.host;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Discovers this host's {@link HostTopology} from sysfs alone: no driver, library or tool beyond
 * the kernel's files, so it works the same on a GPU host without CUDA and in a VM.
 */
public final class HostDiscovery
{
    /** PCI class codes of GPUs: VGA-compatible and 3D controllers. */
    private static final List<String> GPU_CLASSES = List.of("0x0300", "0x0302");

    private HostDiscovery()
    {
    }

    /** @return this host, from {@code /sys}. */
    public static HostTopology discover()
    {
        return discover(Path.of("/"), true);
    }

    /**
     * @param root      where sysfs is found under ({@code sys/...}).
     * @param addresses whether to read the interfaces' addresses from this process's network namespace.
     * @return what that sysfs describes.
     */
    public static HostTopology discover(final Path root, final boolean addresses)
    {
        final Sysfs sysfs = new Sysfs(root);
        final List<HostTopology.Nic> nics = nics(sysfs, addresses);
        final List<HostTopology.PciDevice> gpus = gpus(sysfs);
        return new HostTopology(hostname(sysfs), cpus(sysfs), numaNodes(sysfs), nics, rdma(sysfs), gpus, distances(gpus, nics));
    }

    /** @return each GPU's distance to each NIC on PCI, from their PCI paths. */
    static List<HostTopology.Distance> distances(final List<HostTopology.PciDevice> gpus, final List<HostTopology.Nic> nics)
    {
        final List<HostTopology.Distance> distances = new ArrayList<>();
        for (final HostTopology.PciDevice gpu : gpus)
        {
            for (final HostTopology.Nic nic : nics)
            {
                if (!nic.pciPath().isEmpty())
                {
                    distances.add(new HostTopology.Distance(gpu.address(), nic.name(),
                        PciDistance.between(gpu.pciPath(), gpu.numaNode(), nic.pciPath(), nic.numaNode())));
                }
            }
        }
        return distances;
    }

    private static String hostname(final Sysfs sysfs)
    {
        final String kernel = sysfs.read(sysfs.path("proc/sys/kernel/hostname"));
        if (kernel != null && !kernel.isEmpty())
        {
            return kernel;
        }
        try
        {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (final UnknownHostException ex)
        {
            return "unknown";
        }
    }

    private static int cpus(final Sysfs sysfs)
    {
        final String online = sysfs.read(sysfs.path("sys/devices/system/cpu/online"));
        return online == null ? Runtime.getRuntime().availableProcessors() : CpuList.count(online);
    }

    private static List<HostTopology.NumaNode> numaNodes(final Sysfs sysfs)
    {
        final List<HostTopology.NumaNode> nodes = new ArrayList<>();
        for (final String name : sysfs.list(sysfs.path("sys/devices/system/node")))
        {
            if (name.matches("node[0-9]+"))
            {
                final String cpus = sysfs.read(sysfs.path("sys/devices/system/node/" + name + "/cpulist"));
                nodes.add(new HostTopology.NumaNode(Integer.parseInt(name.substring(4)), cpus == null ? "" : cpus));
            }
        }
        return nodes;
    }

    private static List<HostTopology.Nic> nics(final Sysfs sysfs, final boolean readAddresses)
    {
        final List<HostTopology.Nic> nics = new ArrayList<>();
        for (final String name : sysfs.list(sysfs.path("sys/class/net")))
        {
            final Path dir = sysfs.path("sys/class/net/" + name);
            if ("lo".equals(name))
            {
                continue;
            }
            final String state = sysfs.read(dir.resolve("operstate"));
            final String driver = sysfs.linkName(dir.resolve("device/driver"));
            nics.add(new HostTopology.Nic(name, state == null ? "unknown" : state, (int)sysfs.readLong(dir.resolve("mtu"), -1),
                sysfs.readLong(dir.resolve("speed"), -1), driver == null ? "" : driver, (int)sysfs.readLong(dir.resolve("device/numa_node"), -1),
                sysfs.pciPath(dir.resolve("device")), readAddresses ? addresses(name) : List.of()));
        }
        return nics;
    }

    private static List<String> addresses(final String name)
    {
        try
        {
            final NetworkInterface nic = NetworkInterface.getByName(name);
            return nic == null ? List.of() : Collections.list(nic.getInetAddresses()).stream()
                .map(a -> a.getHostAddress().replaceAll("%.*", "")).toList();
        }
        catch (final SocketException ex)
        {
            return List.of();
        }
    }

    private static List<HostTopology.RdmaDevice> rdma(final Sysfs sysfs)
    {
        final List<HostTopology.RdmaDevice> devices = new ArrayList<>();
        for (final String name : sysfs.list(sysfs.path("sys/class/infiniband")))
        {
            final Path dir = sysfs.path("sys/class/infiniband/" + name);
            for (final String port : sysfs.list(dir.resolve("ports")))
            {
                if (!port.matches("\\d{1,5}"))
                {
                    continue; // sysfs names ports by number; anything else is not a port
                }
                final Path p = dir.resolve("ports/" + port);
                final String netdev = sysfs.read(p.resolve("gid_attrs/ndevs/0"));
                devices.add(new HostTopology.RdmaDevice(name, Integer.parseInt(port), orEmpty(sysfs.read(p.resolve("state"))),
                    orEmpty(sysfs.read(p.resolve("link_layer"))), orEmpty(sysfs.read(p.resolve("gids/0"))), orEmpty(netdev)));
            }
        }
        return devices;
    }

    private static List<HostTopology.PciDevice> gpus(final Sysfs sysfs)
    {
        final List<HostTopology.PciDevice> gpus = new ArrayList<>();
        for (final String address : sysfs.list(sysfs.path("sys/bus/pci/devices")))
        {
            final Path dir = sysfs.path("sys/bus/pci/devices/" + address);
            final String pciClass = sysfs.read(dir.resolve("class"));
            if (pciClass != null && pciClass.length() >= 6 && GPU_CLASSES.contains(pciClass.substring(0, 6)))
            {
                gpus.add(new HostTopology.PciDevice(address, orEmpty(sysfs.read(dir.resolve("vendor"))),
                    orEmpty(sysfs.read(dir.resolve("device"))), (int)sysfs.readLong(dir.resolve("numa_node"), -1), sysfs.pciPath(dir)));
            }
        }
        return gpus;
    }

    private static String orEmpty(final String text)
    {
        return text == null ? "" : text;
    }
}
