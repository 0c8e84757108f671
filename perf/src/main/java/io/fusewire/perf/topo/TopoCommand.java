package io.fusewire.perf.topo;

import io.fusewire.perf.testbed.TestbedPlan;
import io.fusewire.transport.support.HostPort;
import io.fusewire.perf.testbed.TestbedRoutes;
import io.fusewire.perf.testbed.Testbeds;
import io.fusewire.topology.Json;
import io.fusewire.topology.groups.GroupFormation;
import io.fusewire.topology.groups.JobPlacement;
import io.fusewire.topology.groups.PlacementDocument;
import io.fusewire.topology.host.HostDiscovery;
import io.fusewire.topology.host.HostTopology;
import io.fusewire.topology.host.TopologyFile;
import io.fusewire.topology.probe.LinkSurvey;
import io.fusewire.topology.probe.ProbeControlServer;
import io.fusewire.topology.probe.ProbeHost;
import io.fusewire.topology.probe.RemoteProbeAgent;
import io.fusewire.topology.probe.Survey;
import io.fusewire.topology.racks.DeclaredRacks;
import io.fusewire.topology.racks.RackInference;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fusewire topo}: what this host has, from sysfs; or a testbed's racks, inferred from its routes or probed links. */
@Command(name = "topo", mixinStandardHelpOptions = true,
    description = {"This host's topology from sysfs alone: CPUs and NUMA nodes, network interfaces, RDMA devices, GPUs (by PCI",
        "class, no driver needed) and the PCI distance of each GPU to each NIC (SAME, PIX, PXB, PHB, NODE, SYS).",
        "With --testbed: that testbed's racks, inferred from its hosts' routes or, with --probe, from links measured between them.",
        "With --hosts: the racks of real hosts, from links measured between the probe agents running there."})
public final class TopoCommand implements Callable<Integer>
{
    private static final Duration CONNECT_BOUND = Duration.ofSeconds(5);

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

    @Option(names = "--hosts", split = ",", paramLabel = "HOST[:PORT]", description = {"Probe these hosts (implies --probe): each runs",
        "`fusewire probe-agent --address ADDRESS --control PORT` (port " + ProbeControlServer.DEFAULT_PORT + " unless given), which this",
        "command asks over TCP, proving the shared probe secret; the hosts are named as written here."})
    List<String> hosts;

    @Option(names = "--transport", defaultValue = "tcp", description = "The transport --probe measures over (default: ${DEFAULT-VALUE}).")
    String transport;

    @Mixin
    ProbeSecret secret;

    @Option(names = "--place", paramLabel = "N,A", description = {"With --testbed or --hosts: also place a job of N workers and A",
        "aggregators over the racks found (GroupFormation.byRack) and print it as a placement document, which workers read",
        "(FUSEWIRE_PLACEMENT=FILE) and aggregators listen by (fusewire aggregator --placement FILE)."})
    String place;

    @Option(names = "--two-tier", description = {"With --place: place a two-tier job, its A aggregators the rack aggregators, as many",
        "in each rack with workers (A = R racks x H shards): each worker joins its rack's; the s-th of each rack exchange rack",
        "sums chunk by chunk (kind 'hierarchical')."})
    boolean twoTier;

    @Option(names = "--port", defaultValue = "29500", description = "With --place: the port the aggregators listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--topo-file", paramLabel = "FILE", defaultValue = "${env:FUSEWIRE_TOPO_FILE}", description = {"A hand-written host",
        "document in the schema --json writes, correcting discovery ('mode':'extend', default) or replacing it ('mode':'replace'),",
        "for hosts that hide their PCI tree (default: $FUSEWIRE_TOPO_FILE)."})
    Path topoFile;

    @Option(names = "--racks-file", paramLabel = "FILE", description = {"The racks as declared, to check the inferred ones against: one rack",
        "per line, host names separated by spaces, '#' starts a comment (default: the testbed's plan)."})
    Path racksFile;

    @Override
    public Integer call() throws IOException, InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        if ((testbed != null || hosts != null) && spec.commandLine().getParseResult().hasMatchedOption("--topo-file"))
        {
            throw new IllegalArgumentException("--topo-file describes this host: it does not go with --testbed or --hosts");
        }
        if (testbed != null && hosts != null)
        {
            throw new IllegalArgumentException("--testbed and --hosts both name the hosts to probe: give one");
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--port") && (place == null || port < 1 || port > 65535))
        {
            throw new IllegalArgumentException("--port " + port + ": the aggregators' port for --place, 1 to 65535");
        }
        if (twoTier && place == null)
        {
            throw new IllegalArgumentException("--two-tier shapes the job --place N,A places: add --place");
        }
        if (place != null && !place.matches("[1-9]\\d{0,3},[1-9]\\d{0,2}"))
        {
            throw new IllegalArgumentException("--place " + place + ": give N,A, workers and aggregators, e.g. 4,2");
        }
        if (testbed != null)
        {
            return racks(out);
        }
        if (hosts != null)
        {
            return remote(out);
        }
        if (probe || racksFile != null || place != null || spec.commandLine().getParseResult().hasMatchedOption("--transport"))
        {
            throw new IllegalArgumentException("--probe, --racks-file, --place and --transport work on a testbed's hosts or remote agents:"
                + " add --testbed [NAME] or --hosts HOST,...");
        }
        final HostTopology host = topoFile == null ? HostDiscovery.discover() : TopologyFile.apply(HostDiscovery.discover(), topoFile);
        if (json)
        {
            out.println(host.json());
            return 0;
        }
        out.printf("host %s: %d CPUs, %d NUMA node(s)%s%n", host.hostname(), host.cpus(), host.numaNodes().size(),
            topoFile == null ? "" : " (discovery with " + topoFile + ")");
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
        final PlacementDocument placed = placement(inferred, plan.hosts().stream().collect(Collectors.toMap(TestbedPlan.Host::name,
            TestbedPlan.Host::address)));
        if (json)
        {
            out.println("{\"version\":" + HostTopology.VERSION + ",\"testbed\":" + Json.quote(plan.name()) + ",\"racks\":"
                + Json.nested(inferred) + ",\"declared\":" + Json.nested(declared) + ",\"agrees\":" + agrees + ",\"direct\":"
                + Json.array(Arrays.stream(direct).map(row -> Arrays.toString(row).replace(" ", "")).toList()) + member(placed) + "}");
        }
        else
        {
            out.printf("testbed %s: %d hosts, racks inferred from each host's routes to the others%n", plan.name(), names.size());
            RackReport.routes(out, names, direct, inferred, declared, declaredBy);
            print(out, placed);
        }
        return agrees ? 0 : 2;
    }

    private int probed(final PrintWriter out, final TestbedPlan plan, final List<List<String>> declared, final String declaredBy)
        throws IOException, InterruptedException
    {
        final long start = System.nanoTime();
        try (ProbeAgents agents = new ProbeAgents(plan, transport))
        {
            final String started = String.format(Locale.ROOT, "testbed %s: probe agents started in %.1f s, over %s",
                plan.name(), (System.nanoTime() - start) / 1e9, transport);
            return survey(out, agents.hosts(), started, "\"testbed\":" + Json.quote(plan.name()) + ",\"transport\":" + Json.quote(transport),
                declared, declaredBy);
        }
    }

    private int remote(final PrintWriter out) throws InterruptedException
    {
        if (spec.commandLine().getParseResult().hasMatchedOption("--transport"))
        {
            throw new IllegalArgumentException("--transport: remote agents probe over the transport they were started with"
                + " (probe-agent --transport)");
        }
        final List<String> names = List.copyOf(hosts);
        if (names.stream().distinct().count() != names.size())
        {
            throw new IllegalArgumentException("--hosts names a host twice: " + String.join(",", hosts));
        }
        final List<List<String>> declared = racksFile != null ? DeclaredRacks.read(racksFile, names) : null;
        final byte[] proof = secret.bytes();
        final List<RemoteProbeAgent> agents = new ArrayList<>();
        try
        {
            for (int i = 0; i < hosts.size(); i++)
            {
                agents.add(new RemoteProbeAgent(names.get(i), control(hosts.get(i)), CONNECT_BOUND, proof));
            }
            return survey(out, agents.stream().map(RemoteProbeAgent::host).toList(), hosts.size() + " probe agents reached over TCP",
                "\"source\":\"agents\"", declared, racksFile == null ? null : racksFile.toString());
        }
        catch (final IllegalStateException ex)
        {
            spec.commandLine().getErr().println("fusewire topo: " + ex.getMessage());
            return 1;
        }
        finally
        {
            agents.forEach(RemoteProbeAgent::close);
        }
    }

    /** @return the survey printed, or its JSON; 0 if the racks agree with those declared (or none are), 2 if not, 1 if it failed. */
    private int survey(final PrintWriter out, final List<ProbeHost> probed, final String header, final String jsonWhere,
        final List<List<String>> declared, final String declaredBy)
    {
        final Survey survey;
        try
        {
            survey = LinkSurvey.run(probed);
        }
        catch (final IllegalStateException ex)
        {
            spec.commandLine().getErr().println("fusewire topo: the probe failed: " + ex.getMessage());
            return 1;
        }
        final boolean agrees = declared == null || survey.racks().equals(declared);
        final PlacementDocument placed = placement(survey.racks(), probed.stream().collect(Collectors.toMap(ProbeHost::name,
            ProbeHost::address)));
        if (json)
        {
            out.println("{\"version\":" + HostTopology.VERSION + "," + jsonWhere + ",\"method\":\"probe\"," + survey.jsonMembers()
                + (declared == null ? "" : ",\"declared\":" + Json.nested(declared) + ",\"agrees\":" + agrees) + member(placed) + "}");
        }
        else
        {
            out.println(header);
            RackReport.survey(out, survey, declared, declaredBy);
            print(out, placed);
        }
        return agrees ? 0 : 2;
    }

    /** @return the job of --place over these racks, its aggregators listening on --port; null without --place. */
    private PlacementDocument placement(final List<List<String>> racks, final Map<String, String> addresses)
    {
        if (place == null)
        {
            return null;
        }
        final String[] na = place.split(",");
        try
        {
            final JobPlacement job = GroupFormation.byRack(racks, Integer.parseInt(na[0]), Integer.parseInt(na[1]));
            return new PlacementDocument(job, job.workerHosts().stream().map(addresses::get).toList(),
                job.aggregatorHosts().stream().map(host -> addresses.get(host) + ":" + port).toList(), twoTier);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--place " + place + (twoTier ? " --two-tier" : "") + ": " + ex.getMessage()
                + (twoTier ? " (give A = the number of racks the workers span, or a multiple of it)" : ""), ex);
        }
    }

    private static String member(final PlacementDocument placed)
    {
        return placed == null ? "" : ",\"placement\":" + placed.json();
    }

    private static void print(final PrintWriter out, final PlacementDocument placed)
    {
        if (placed != null)
        {
            out.println("placement: " + placed.job().describe());
            out.println("  as a document for the workers (FUSEWIRE_PLACEMENT=FILE) and aggregators (aggregator --placement FILE):");
            out.println(placed.json());
        }
    }

    private static InetSocketAddress control(final String entry)
    {
        return HostPort.parse(entry.lastIndexOf(':') < 0 ? entry + ":" + ProbeControlServer.DEFAULT_PORT : entry);
    }
}
