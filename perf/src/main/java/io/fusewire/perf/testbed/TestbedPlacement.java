package io.fusewire.perf.testbed;

import io.fusewire.perf.cli.Placement;
import java.util.List;

/**
 * Places a harness job on a testbed, one process per host: the workers on the first hosts in rack
 * order (rack 0's hosts, then rack 1's), the aggregators on the last hosts. A placement chosen by
 * measured topology comes with topology discovery.
 */
public final class TestbedPlacement
{
    private TestbedPlacement()
    {
    }

    /**
     * @param name        the testbed, which must be up.
     * @param workers     N.
     * @param aggregators A.
     * @return the placement.
     * @throws IllegalArgumentException if the testbed is not up or has fewer than N + A hosts.
     */
    public static Placement place(final String name, final int workers, final int aggregators)
    {
        final TestbedPlan plan = Testbeds.find(name);
        if (plan == null)
        {
            throw new IllegalArgumentException("testbed '" + name + "' is not up: sudo ./fusewire testbed up --racks R --hosts-per-rack H"
                + " --name " + name);
        }
        final List<TestbedPlan.Host> hosts = plan.hosts();
        if (workers + aggregators > hosts.size())
        {
            throw new IllegalArgumentException("testbed '" + name + "' has " + hosts.size() + " hosts; " + workers + " workers and "
                + aggregators + " aggregators need " + (workers + aggregators) + " (one process per host)");
        }
        final List<TestbedPlan.Host> aggregatorHosts = hosts.subList(hosts.size() - aggregators, hosts.size());
        return new Placement(hosts.subList(0, workers).stream().map(TestbedPlan.Host::namespace).toList(),
            aggregatorHosts.stream().map(TestbedPlan.Host::namespace).toList(),
            aggregatorHosts.stream().map(TestbedPlan.Host::address).toList());
    }

    /** @return the placement in words, one line: which host each process is on. */
    public static String describe(final Placement placement)
    {
        final StringBuilder text = new StringBuilder("placement:");
        for (int rank = 0; rank < placement.workerNamespaces().size(); rank++)
        {
            text.append(" worker ").append(rank).append(" on ").append(host(placement.workerNamespaces().get(rank))).append(',');
        }
        for (int a = 0; a < placement.aggregatorNamespaces().size(); a++)
        {
            text.append(" aggregator ").append(a).append(" on ").append(host(placement.aggregatorNamespaces().get(a)))
                .append(" (").append(placement.aggregatorAddresses().get(a)).append(')').append(a + 1 < placement.aggregatorNamespaces().size() ? "," : "");
        }
        return text.toString();
    }

    private static String host(final String namespace)
    {
        return namespace.substring(namespace.lastIndexOf('-') + 1);
    }
}
