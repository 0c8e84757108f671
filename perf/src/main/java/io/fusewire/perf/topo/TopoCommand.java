package io.fusewire.perf.topo;

import io.fusewire.perf.testbed.TestbedPlan;
import io.fusewire.perf.testbed.TestbedRoutes;
import io.fusewire.perf.testbed.Testbeds;
import io.fusewire.topology.Json;
import io.fusewire.topology.host.HostDiscovery;
import io.fusewire.topology.host.HostTopology;
import io.fusewire.topology.probe.LinkSurvey;
import io.fusewire.topology.probe.Survey;
import io.fusewire.topology.racks.DeclaredRacks;
import io.fusewire.topology.racks.RackInference;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fusewire topo}: what this host has, from sysfs; or a testbed's racks, inferred from its routes or probed links. */
@Command(name = "topo", mixinStandardHelpOptions = true,
    description = {"This host's topology from sysfs alone: CPUs and NUMA nodes, network interfaces, RDMA devices, GPUs (by PCI",
        "class, no driver needed) and the PCI distance of each GPU to each NIC (SAME, PIX, PXB, PHB, NODE, SYS).",
        "With --testbed: that testbed's racks, inferred from its hosts' routes or, with --probe, from links measured between them."})
public final class TopoCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the versioned JSON document instead.")
    boolean json;

    @Option(names = "--testbed", arity = "0..1", fallbackValue = "tb", paramLabel = "NAME",
        description = {"Instead of this host: the racks of testbed NAME (default tb) inferred from each host's routes to the",
            "others (direct on the link: one rack switch; through a router: another rack), checked against its plan."})
    String testbed;

    @Option(names = "--probe", description = {"With --testbed: measure the links instead, over the transport, from an agent in every host",
        "(routers counted from the TTL, round trips, single flows, two flows across racks at once) and infer the racks from them."})
    boolean probe;

    @Option(names = "--transport", defaultValue = "tcp", description = "The transport --probe measures over (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--racks-file", paramLabel = "FILE", description = {"The racks as declared, to check the inferred ones against: one rack",
        "per line, host names separated by spaces, '#' starts a comment (default: the testbed's plan)."})
    Path racksFile;

    @Override
    public Integer call() throws IOException, InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (testbed != null)
        {
            return racks(out);
        }
        if (probe || racksFile != null || spec.commandLine().getParseResult().hasMatchedOption("--transport"))
        {
            throw new IllegalArgumentException("--probe, --racks-file and --transport work on a testbed's hosts: add --testbed [NAME]");
        }
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

    private int racks(final PrintWriter out) throws IOException, InterruptedException
    {
        final TestbedPlan plan = Testbeds.require(testbed);
        final List<String> names = plan.hosts().stream().map(TestbedPlan.Host::name).toList();
        final List<List<String>> declared = racksFile != null ? DeclaredRacks.read(racksFile, names) : plan.rackNames();
        final String declaredBy = racksFile != null ? racksFile.toString() : "the testbed's plan";
        if (probe)
        {
            return probed(out, plan, declared, declaredBy);
        }
        final boolean[][] direct = TestbedRoutes.direct(plan);
        final List<List<String>> inferred = RackInference.racks(names, direct);
        final boolean agrees = inferred.equals(declared);
        if (json)
        {
            out.println("{\"version\":" + HostTopology.VERSION + ",\"testbed\":" + Json.quote(plan.name()) + ",\"racks\":"
                + Json.nested(inferred) + ",\"declared\":" + Json.nested(declared) + ",\"agrees\":" + agrees + ",\"direct\":"
                + Json.array(Arrays.stream(direct).map(row -> Arrays.toString(row).replace(" ", "")).toList()) + "}");
        }
        else
        {
            out.printf("testbed %s: %d hosts, racks inferred from each host's routes to the others%n", plan.name(), names.size());
            RackReport.routes(out, names, direct, inferred, declared, declaredBy);
        }
        return agrees ? 0 : 2;
    }

    private int probed(final PrintWriter out, final TestbedPlan plan, final List<List<String>> declared, final String declaredBy)
        throws IOException, InterruptedException
    {
        final long start = System.nanoTime();
        final Survey survey;
        try (ProbeAgents agents = new ProbeAgents(plan, transport))
        {
            final double startSeconds = (System.nanoTime() - start) / 1e9;
            try
            {
                survey = LinkSurvey.run(agents.hosts());
            }
            catch (final IllegalStateException ex)
            {
                spec.commandLine().getErr().println("fusewire topo: the probe failed: " + ex.getMessage());
                return 1;
            }
            if (!json)
            {
                out.printf(Locale.ROOT, "testbed %s: probe agents started in %.1f s, over %s%n", plan.name(), startSeconds, transport);
            }
        }
        final boolean agrees = survey.racks().equals(declared);
        if (json)
        {
            out.println("{\"version\":" + HostTopology.VERSION + ",\"testbed\":" + Json.quote(plan.name()) + ",\"method\":\"probe\","
                + "\"transport\":" + Json.quote(transport) + "," + survey.jsonMembers() + ",\"declared\":" + Json.nested(declared)
                + ",\"agrees\":" + agrees + "}");
        }
        else
        {
            RackReport.survey(out, survey, declared, declaredBy);
        }
        return agrees ? 0 : 2;
    }
}
