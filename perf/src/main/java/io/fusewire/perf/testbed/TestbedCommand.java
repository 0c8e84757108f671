package io.fusewire.perf.testbed;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fusewire testbed}: an emulated cluster of racks on this machine, in network namespaces with shaped links. */
@Command(name = "testbed", mixinStandardHelpOptions = true,
    description = {"An emulated cluster on this machine: each host a network namespace, each rack a bridge, racks routed",
        "through a spine, links shaped with tbf. Needs root. Nothing is routed out of it."})
public final class TestbedCommand
{
    @Spec
    CommandSpec spec;

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Build a testbed.")
    int up(
        @Option(names = "--racks", required = true, description = "Racks R.") final int racks,
        @Option(names = "--hosts-per-rack", required = true, description = "Hosts per rack H.") final int hosts,
        @Option(names = "--host-rate", defaultValue = "1gbit", description = "Each host link's rate, e.g. 100mbit, 1gbit "
            + "(default: ${DEFAULT-VALUE}).") final String hostRate,
        @Option(names = "--oversubscription", defaultValue = "1", description = "K: each rack's uplink carries H x host rate / K "
            + "(default: ${DEFAULT-VALUE}).") final double oversubscription,
        @Option(names = "--name", defaultValue = "tb", description = "The testbed's name (default: ${DEFAULT-VALUE}).") final String name)
    {
        final TestbedPlan plan = new TestbedPlan(name, racks, hosts, megabits(hostRate), oversubscription);
        Testbeds.up(plan);
        print(plan, false);
        return 0;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a testbed's hosts, addresses and rates.")
    int status(
        @Option(names = "--name", defaultValue = "tb", description = "The testbed's name (default: ${DEFAULT-VALUE}).") final String name,
        @Option(names = "--json", description = "One JSON object: the testbed and each host with its rack.") final boolean json)
    {
        print(Testbeds.require(name), json);
        return 0;
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Remove everything a testbed made; safe to run twice.")
    int down(
        @Option(names = "--name", defaultValue = "tb", description = "The testbed's name (default: ${DEFAULT-VALUE}).") final String name)
    {
        final int removed = Testbeds.down(name);
        spec.commandLine().getOut().println("testbed " + name + ": removed " + removed + " namespaces");
        return 0;
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run a command inside a host: testbed run HOST -- CMD...")
    int run(
        @Option(names = "--name", defaultValue = "tb", description = "The testbed's name (default: ${DEFAULT-VALUE}).") final String name,
        @Option(names = "--timeout-s", defaultValue = "3600", description = "Bound on the command (default: ${DEFAULT-VALUE}).")
        final long timeoutSeconds,
        @Parameters(index = "0", paramLabel = "HOST", description = "A host, e.g. r0h1.") final String host,
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.") final List<String> command)
        throws IOException, InterruptedException
    {
        final TestbedPlan plan = Testbeds.require(name);
        if (plan.hosts().stream().noneMatch(h -> h.name().equals(host)))
        {
            spec.commandLine().getErr().println("fusewire testbed: no host " + host + " in testbed '" + name + "'; its hosts: "
                + plan.hosts().stream().map(TestbedPlan.Host::name).collect(Collectors.joining(" ")));
            return 1;
        }
        Testbeds.requireRoot();
        final List<String> inside = new ArrayList<>(TestbedPlan.exec(plan.namespace(host)));
        inside.addAll(command);
        final Process process = new ProcessBuilder(inside).inheritIO().start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            spec.commandLine().getErr().println("fusewire testbed: the command ran past " + timeoutSeconds + " s and was killed");
            return 124;
        }
        return process.exitValue();
    }

    private void print(final TestbedPlan plan, final boolean json)
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            out.println(String.format(Locale.ROOT, "{\"name\":\"%s\",\"racks\":%d,\"hosts_per_rack\":%d,\"host_rate_mbit\":%d,"
                + "\"uplink_rate_mbit\":%d,\"hosts\":[%s]}", plan.name(), plan.racks(), plan.hostsPerRack(), plan.hostRateMbit(),
                plan.uplinkRateMbit(), plan.hosts().stream().map(h -> h.json(plan.hostRateMbit())).collect(Collectors.joining(","))));
            return;
        }
        out.println(plan.describe());
        for (final TestbedPlan.Host host : plan.hosts())
        {
            out.printf("  %-8s rack %-3d %-15s %s%n", host.name(), host.rack(), host.address(), host.namespace());
        }
    }

    /** @return a rate such as {@code 100mbit} or {@code 1gbit} in Mbit/s. */
    static long megabits(final String rate)
    {
        final String text = rate.strip().toLowerCase(Locale.ROOT);
        try
        {
            if (text.endsWith("gbit"))
            {
                return Math.round(Double.parseDouble(text.substring(0, text.length() - 4)) * 1000);
            }
            if (text.endsWith("mbit"))
            {
                return Math.round(Double.parseDouble(text.substring(0, text.length() - 4)));
            }
        }
        catch (final NumberFormatException ex)
        {
            // falls through to the refusal
        }
        throw new IllegalArgumentException("rate '" + rate + "': use a number with mbit or gbit, e.g. 100mbit or 1gbit");
    }
}
