package io.fusewire.perf.topo;

import io.fusewire.topology.host.HostDiscovery;
import io.fusewire.topology.host.HostTopology;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fusewire topo}: what this host has, from sysfs. */
@Command(name = "topo", mixinStandardHelpOptions = true,
    description = {"This host's topology from sysfs alone: CPUs and NUMA nodes, network interfaces, RDMA devices, GPUs (by PCI",
        "class, no driver needed) and the PCI distance of each GPU to each NIC (SAME, PIX, PXB, PHB, NODE, SYS)."})
public final class TopoCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the versioned JSON document instead.")
    boolean json;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final HostTopology host = HostDiscovery.discover();
        if (json)
        {
            out.println(host.json());
            return 0;
        }
        out.printf("host %s: %d CPUs, %d NUMA node(s)%n", host.hostname(), host.cpus(), host.numaNodes().size());
        host.numaNodes().forEach(node -> out.printf("  node %d: CPUs %s%n", node.id(), node.cpus()));
        out.println("network interfaces:" + (host.nics().isEmpty() ? " none" : ""));
        host.nics().forEach(nic -> out.printf("  %-10s %-8s mtu %-6d %-12s driver %-12s numa %-3d pci %s %s%n", nic.name(), nic.state(),
            nic.mtu(), nic.speedMbit() < 0 ? "speed ?" : nic.speedMbit() + " Mbit/s", nic.driver().isEmpty() ? "-" : nic.driver(),
            nic.numaNode(), nic.pciPath().isEmpty() ? "-" : nic.pciPath().getLast(), String.join(" ", nic.addresses())));
        out.println("RDMA devices:" + (host.rdma().isEmpty() ? " none" : ""));
        host.rdma().forEach(dev -> out.printf("  %s port %d: %s, %s, netdev %s, gid0 %s%n", dev.name(), dev.port(), dev.state(),
            dev.linkLayer(), dev.netdev().isEmpty() ? "-" : dev.netdev(), dev.gid0()));
        out.println("GPUs:" + (host.gpus().isEmpty() ? " none" : ""));
        host.gpus().forEach(gpu -> out.printf("  %s vendor %s device %s numa %d%n", gpu.address(), gpu.vendor(), gpu.device(),
            gpu.numaNode()));
        host.distances().forEach(d -> out.printf("  %s -> %s: %s%n", d.gpu(), d.nic(), d.distance()));
        return 0;
    }
}
