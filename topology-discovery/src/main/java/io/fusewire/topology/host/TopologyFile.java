package io.fusewire.topology.host;

import io.fusewire.topology.JsonMembers;
import io.fusewire.topology.JsonReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A hand-written host document, in the schema of {@link HostTopology#json()}, for hosts whose sysfs
 * tells too little (VMs that hide their PCI tree, NICs without a speed). With {@code "mode":"extend"}
 * (the default) it corrects discovery: each entry replaces the discovered one with its key (a NIC or
 * RDMA device by name, a GPU by PCI address, a NUMA node by id) or is added; with
 * {@code "mode":"replace"} it is the whole truth, only the host name and CPU count taken from
 * discovery when it leaves them out. GPU-NIC distances are worked out again from the PCI paths;
 * those the file lists win. Every member is checked: an unknown one (a typo) is refused, naming it.
 *
 * <pre>
 *   {"version": 1, "mode": "extend",
 *    "nics": [{"name": "ens5", "speed_mbit": 100000, "numa_node": 0, "pci_path": ["pci0000:00", "0000:00:05.0"]}],
 *    "gpus": [{"address": "0000:00:1e.0", "vendor": "0x10de", "numa_node": 0, "pci_path": ["pci0000:00", "0000:00:1e.0"]}],
 *    "distances": [{"gpu": "0000:00:1e.0", "nic": "ens5", "distance": "PIX"}]}
 * </pre>
 */
public final class TopologyFile
{
    private TopologyFile()
    {
    }

    /**
     * @param discovered what discovery found.
     * @param file       the hand-written document.
     * @return discovery corrected by the file, or the file alone.
     * @throws IllegalArgumentException naming the file and what in it is wrong, or why it cannot be read.
     */
    public static HostTopology apply(final HostTopology discovered, final Path file)
    {
        try
        {
            return apply(discovered, Files.readString(file, StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("topology file " + file + " cannot be read: " + ex, ex);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("topology file " + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @param discovered what discovery found.
     * @param json       the hand-written document.
     * @return discovery corrected by the document, or the document alone.
     * @throws IllegalArgumentException saying what in it is wrong.
     */
    public static HostTopology apply(final HostTopology discovered, final String json)
    {
        final JsonMembers doc = JsonMembers.of(JsonReader.parse(json), "the document");
        doc.allow("version", "mode", "hostname", "cpus", "numa_nodes", "nics", "rdma", "gpus", "distances");
        if (doc.integer("version", -1) != HostTopology.VERSION)
        {
            throw new IllegalArgumentException("\"version\" must be " + HostTopology.VERSION + " (the schema `fusewire topo --json` writes)");
        }
        final String mode = doc.string("mode", "extend");
        if (!mode.equals("extend") && !mode.equals("replace"))
        {
            throw new IllegalArgumentException("\"mode\" is \"extend\" or \"replace\"; got \"" + mode + "\"");
        }
        final boolean extend = mode.equals("extend");
        final List<HostTopology.NumaNode> numa = merge(extend ? discovered.numaNodes() : List.of(),
            doc.objects("numa_nodes").stream().map(TopologyFile::numaNode).toList(), n -> Integer.toString(n.id()));
        final List<HostTopology.Nic> nics = merge(extend ? discovered.nics() : List.of(), doc.objects("nics").stream().map(TopologyFile::nic)
            .toList(), HostTopology.Nic::name);
        final List<HostTopology.RdmaDevice> rdma = merge(extend ? discovered.rdma() : List.of(), doc.objects("rdma").stream()
            .map(TopologyFile::rdma).toList(), r -> r.name() + "/" + r.port());
        final List<HostTopology.PciDevice> gpus = merge(extend ? discovered.gpus() : List.of(), doc.objects("gpus").stream()
            .map(TopologyFile::gpu).toList(), HostTopology.PciDevice::address);
        final List<HostTopology.Distance> given = doc.objects("distances").stream().map(TopologyFile::distance).toList();
        for (final HostTopology.Distance d : given)
        {
            if (gpus.stream().noneMatch(g -> g.address().equals(d.gpu())) || nics.stream().noneMatch(n -> n.name().equals(d.nic())))
            {
                throw new IllegalArgumentException("distances: " + d.gpu() + " -> " + d.nic() + " names a GPU or NIC that neither"
                    + " discovery nor the file has (GPUs: " + gpus.stream().map(HostTopology.PciDevice::address).toList() + ", NICs: "
                    + nics.stream().map(HostTopology.Nic::name).toList() + ")");
            }
        }
        final List<HostTopology.Distance> distances = merge(HostDiscovery.distances(gpus, nics), given, d -> d.gpu() + "/" + d.nic());
        return new HostTopology(doc.string("hostname", discovered.hostname()), doc.integer("cpus", discovered.cpus()), numa, nics, rdma, gpus,
            distances);
    }

    private static <T> List<T> merge(final List<T> base, final List<T> given, final Function<T, String> key)
    {
        final Map<String, T> merged = new LinkedHashMap<>();
        base.forEach(item -> merged.put(key.apply(item), item));
        given.forEach(item -> merged.put(key.apply(item), item));
        return List.copyOf(merged.values());
    }

    private static HostTopology.NumaNode numaNode(final JsonMembers m)
    {
        m.allow("id", "cpus");
        return new HostTopology.NumaNode(m.required("id", x -> x.integer("id", 0)), m.string("cpus", ""));
    }

    private static HostTopology.Nic nic(final JsonMembers m)
    {
        m.allow("name", "state", "mtu", "speed_mbit", "driver", "numa_node", "pci_path", "addresses");
        return new HostTopology.Nic(m.required("name", x -> x.string("name", "")), m.string("state", "unknown"), m.integer("mtu", 1500),
            m.integer("speed_mbit", -1), m.string("driver", ""), m.integer("numa_node", -1), m.strings("pci_path"), m.strings("addresses"));
    }

    private static HostTopology.RdmaDevice rdma(final JsonMembers m)
    {
        m.allow("name", "port", "state", "link_layer", "gid0", "netdev");
        return new HostTopology.RdmaDevice(m.required("name", x -> x.string("name", "")), m.integer("port", 1), m.string("state", ""),
            m.string("link_layer", ""), m.string("gid0", ""), m.string("netdev", ""));
    }

    private static HostTopology.PciDevice gpu(final JsonMembers m)
    {
        m.allow("address", "vendor", "device", "numa_node", "pci_path");
        return new HostTopology.PciDevice(m.required("address", x -> x.string("address", "")), m.string("vendor", ""), m.string("device", ""),
            m.integer("numa_node", -1), m.strings("pci_path"));
    }

    private static HostTopology.Distance distance(final JsonMembers m)
    {
        m.allow("gpu", "nic", "distance");
        final String gpu = m.required("gpu", x -> x.string("gpu", ""));
        final String nic = m.required("nic", x -> x.string("nic", ""));
        final String name = m.required("distance", x -> x.string("distance", ""));
        try
        {
            return new HostTopology.Distance(gpu, nic, PciDistance.valueOf(name));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(m.where() + ".distance: \"" + name + "\" is none of " + List.of(PciDistance.values()), ex);
        }
    }
}
