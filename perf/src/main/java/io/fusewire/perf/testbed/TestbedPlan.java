package io.fusewire.perf.testbed;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The shape of an emulated cluster and the commands that build it: R racks of H hosts on one
 * machine, each host a network namespace, each rack a bridge (the rack switch) in a namespace of
 * its own, the racks routed through a spine namespace. Nothing connects to the machine's own
 * namespace, so nothing is routed out of the testbed.
 *
 * <pre>
 *   host r0h0 (10.77.0.10)  host r0h1 (10.77.0.11)      host r1h0 (10.77.1.10) ...
 *        eth0 |                  eth0 |                      eth0 |
 *          h0 |  rack0: br0 10.77.0.1 | h1                     h0 |  rack1: br0 10.77.1.1
 *             +---------+-------------+                           +---------+----- ...
 *                       | up0 10.78.0.2/30                                  | up0 10.78.1.2/30
 *                       | r0  10.78.0.1/30        spine                     | r1  10.78.1.1/30
 *                       +---------------------------------------------------+
 *
 *   host links shaped to the host rate (both directions, tbf); each rack's uplink to
 *   H x host rate / oversubscription (both directions). One /24 per rack: cross-rack traffic is routed.
 * </pre>
 *
 * @param name             the testbed's name; its namespaces are {@code fw-NAME-...}.
 * @param racks            R, 1 to 200.
 * @param hostsPerRack     H, 1 to 200.
 * @param hostRateMbit     each host link's rate, Mbit/s.
 * @param oversubscription K: a rack's uplink carries H x host rate / K.
 */
public record TestbedPlan(String name, int racks, int hostsPerRack, long hostRateMbit, double oversubscription)
{
    /** The network device of every host, inside its namespace. */
    public static final String HOST_DEVICE = "eth0";

    /** Namespaces of every testbed start with this. */
    private static final String PREFIX = "fw-";

    /** @throws IllegalArgumentException saying what is wrong. */
    public TestbedPlan
    {
        if (!name.matches("[a-z0-9]{1,16}"))
        {
            throw new IllegalArgumentException("testbed name '" + name + "': use 1 to 16 lower-case letters and digits");
        }
        if (racks < 1 || racks > 200 || hostsPerRack < 1 || hostsPerRack > 200)
        {
            throw new IllegalArgumentException("a testbed has 1 to 200 racks of 1 to 200 hosts; got " + racks + " x " + hostsPerRack);
        }
        if (hostRateMbit < 1 || oversubscription <= 0)
        {
            throw new IllegalArgumentException("host rate and oversubscription must be positive; got " + hostRateMbit + " Mbit/s, "
                + oversubscription);
        }
    }

    /** @return the namespace of the testbed's part called {@code part} (a host, a rack, the spine). */
    public String namespace(final String part)
    {
        return namespacePrefix(name) + part;
    }

    /** @return how every namespace of the testbed called {@code name} begins. */
    public static String namespacePrefix(final String name)
    {
        return PREFIX + name + "-";
    }

    /** @return the namespace of rack r's switch (its bridge, and its router to the spine). */
    public String switchNamespace(final int rack)
    {
        return namespace("rack" + rack);
    }

    /** @return the address of rack r's switch on the rack's subnet. */
    public static String switchAddress(final int rack)
    {
        return "10.77." + rack + ".1";
    }

    /** @return the testbed in one line: its name, shape and rates. */
    public String describe()
    {
        return String.format(Locale.ROOT, "testbed %s: %d racks x %d hosts, host links %d Mbit/s, rack uplinks %d Mbit/s", name, racks,
            hostsPerRack, hostRateMbit, uplinkRateMbit());
    }

    /** @return what runs a command inside a namespace: the command's words follow. */
    public static List<String> exec(final String namespace)
    {
        return List.of("ip", "netns", "exec", namespace);
    }

    /** @return a host's name: {@code r<rack>h<host>}. */
    private static String host(final int rack, final int host)
    {
        return "r" + rack + "h" + host;
    }

    /** @return a host's address. */
    public static String address(final int rack, final int host)
    {
        return "10.77." + rack + "." + (10 + host);
    }

    /** @return each rack uplink's rate, Mbit/s. */
    public long uplinkRateMbit()
    {
        return Math.max(1, Math.round(hostsPerRack * hostRateMbit / oversubscription));
    }

    /** @return every host, rack by rack. */
    public List<Host> hosts()
    {
        final List<Host> hosts = new ArrayList<>();
        for (int r = 0; r < racks; r++)
        {
            for (int h = 0; h < hostsPerRack; h++)
            {
                hosts.add(new Host(host(r, h), r, address(r, h), namespace(host(r, h))));
            }
        }
        return hosts;
    }

    /** @return the racks as the plan declares them: each a list of its hosts' names. */
    public List<List<String>> rackNames()
    {
        return List.copyOf(hosts().stream().collect(Collectors.groupingBy(Host::rack, TreeMap::new,
            Collectors.mapping(Host::name, Collectors.toList()))).values());
    }

    /** @return the commands that build the testbed, in order. */
    public List<List<String>> upCommands()
    {
        final List<List<String>> commands = new ArrayList<>();
        final String spine = namespace("spine");
        addNamespace(commands, spine, true);
        for (int r = 0; r < racks; r++)
        {
            final String rack = switchNamespace(r);
            addNamespace(commands, rack, true);
            commands.add(List.of("ip", "-n", rack, "link", "add", "br0", "type", "bridge"));
            commands.add(List.of("ip", "-n", rack, "addr", "add", switchAddress(r) + "/24", "dev", "br0"));
            commands.add(List.of("ip", "-n", rack, "link", "set", "br0", "up"));
            commands.add(List.of("ip", "-n", rack, "link", "add", "up0", "type", "veth", "peer", "name", "r" + r, "netns", spine));
            commands.add(List.of("ip", "-n", rack, "addr", "add", "10.78." + r + ".2/30", "dev", "up0"));
            commands.add(List.of("ip", "-n", rack, "link", "set", "up0", "up"));
            commands.add(List.of("ip", "-n", spine, "addr", "add", "10.78." + r + ".1/30", "dev", "r" + r));
            commands.add(List.of("ip", "-n", spine, "link", "set", "r" + r, "up"));
            commands.add(List.of("ip", "-n", rack, "route", "add", "default", "via", "10.78." + r + ".1"));
            commands.add(List.of("ip", "-n", spine, "route", "add", "10.77." + r + ".0/24", "via", "10.78." + r + ".2"));
            commands.add(shape(rack, "up0", uplinkRateMbit()));
            commands.add(shape(spine, "r" + r, uplinkRateMbit()));
            for (int h = 0; h < hostsPerRack; h++)
            {
                final String host = namespace(host(r, h));
                addNamespace(commands, host, false);
                commands.add(List.of("ip", "-n", rack, "link", "add", "h" + h, "type", "veth", "peer", "name", HOST_DEVICE, "netns", host));
                commands.add(List.of("ip", "-n", rack, "link", "set", "h" + h, "master", "br0", "up"));
                commands.add(List.of("ip", "-n", host, "addr", "add", address(r, h) + "/24", "dev", HOST_DEVICE));
                commands.add(List.of("ip", "-n", host, "link", "set", HOST_DEVICE, "up"));
                commands.add(List.of("ip", "-n", host, "route", "add", "default", "via", switchAddress(r)));
                commands.add(shape(host, HOST_DEVICE, hostRateMbit));
                commands.add(shape(rack, "h" + h, hostRateMbit));
            }
        }
        return commands;
    }

    private static void addNamespace(final List<List<String>> commands, final String namespace, final boolean forwards)
    {
        commands.add(List.of("ip", "netns", "add", namespace));
        commands.add(List.of("ip", "-n", namespace, "link", "set", "lo", "up"));
        if (forwards)
        {
            commands.add(with(exec(namespace), "sysctl", "-qw", "net.ipv4.ip_forward=1"));
        }
    }

    /**
     * A token bucket on a link's egress: the rate, a burst of 10 ms at that rate (at least 16 KiB, so
     * that a 64 KiB GSO packet is split rather than dropped), and at most 50 ms of queue.
     */
    static List<String> shape(final String namespace, final String device, final long rateMbit)
    {
        final long burstBytes = Math.max(16 * 1024, rateMbit * 1_000_000 / 8 / 100);
        return with(exec(namespace), "tc", "qdisc", "add", "dev", device, "root", "tbf",
            "rate", rateMbit + "mbit", "burst", Long.toString(burstBytes), "latency", "50ms");
    }

    private static List<String> with(final List<String> prefix, final String... words)
    {
        final List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(words));
        return List.copyOf(command);
    }

    /**
     * One host of the testbed.
     *
     * @param name      {@code r<rack>h<host>}.
     * @param rack      its rack.
     * @param address   its IPv4 address.
     * @param namespace its network namespace.
     */
    public record Host(String name, int rack, String address, String namespace)
    {
        /** @return the host as a JSON object, with its link's rate. */
        public String json(final long rateMbit)
        {
            return String.format(Locale.ROOT, "{\"name\":\"%s\",\"rack\":%d,\"address\":\"%s\",\"namespace\":\"%s\",\"rate_mbit\":%d}",
                name, rack, address, namespace, rateMbit);
        }
    }
}
