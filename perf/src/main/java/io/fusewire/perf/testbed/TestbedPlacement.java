package io.fusewire.perf.testbed;

import io.fusewire.perf.cli.Placement;
import io.fusewire.topology.groups.GroupFormation;
import io.fusewire.topology.groups.JobPlacement;
import io.fusewire.topology.racks.RackInference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Places a harness job on a testbed, one process per host, over the racks that topology discovery
 * finds there (each host's routes to the others, {@link TestbedRoutes}): by rack
 * ({@link GroupFormation#byRack}) or, for comparison, as launchers without topology would: in host order, or
 * alternating between racks.
 */
public final class TestbedPlacement
{
    /** How to place. */
    public enum Policy
    {
        /** Workers and aggregators shared out rack by rack in the job's proportion. */
        TOPOLOGY,
        /** Workers on the first hosts, aggregators on the last. */
        IN_ORDER,
        /** Ranks dealt to the racks in turn, aggregators on the last hosts left. */
        ALTERNATING
    }

    /**
     * What was placed where.
     *
     * @param plan        the testbed.
     * @param job         the hosts of each process, with the racks and uplink volume.
     * @param workerHosts each rank's host.
     * @param placement   the same as the harness runs it: namespaces and addresses.
     */
    public record Placed(TestbedPlan plan, JobPlacement job, List<TestbedPlan.Host> workerHosts, Placement placement)
    {
        /** @return where the processes go, in one line (a two-tier job's rack aggregators in their switches or on their hosts). */
        public String describe()
        {
            final List<Integer> groups = placement.workerGroups();
            if (groups.isEmpty())
            {
                return job.describe();
            }
            final int shards = placement.rackShards();
            final List<String> addresses = placement.aggregatorAddresses();
            final StringBuilder text = new StringBuilder(job.describe()).append(rackAggregatorHosts().contains(null)
                ? "; rack aggregators in the rack switches:" : "; rack aggregators on the hosts, " + shards + " shards per rack:");
            for (int g = 0; g * shards < addresses.size(); g++)
            {
                final int group = g;
                text.append(g == 0 ? " " : ", ").append("ranks ").append(IntStream.range(0, groups.size())
                    .filter(r -> groups.get(r) == group).boxed().toList()).append(" -> ")
                    .append(String.join(" ", addresses.subList(g * shards, g * shards + shards)));
            }
            return text.toString();
        }

        /** @return per aggregator of the placement, the host it runs on, or null for one in a rack switch. */
        public List<TestbedPlan.Host> rackAggregatorHosts()
        {
            final Map<String, TestbedPlan.Host> byAddress = plan.hosts().stream().collect(Collectors.toMap(TestbedPlan.Host::address,
                Function.identity()));
            return placement.aggregatorAddresses().stream().map(address -> byAddress.getOrDefault(address, null)).toList();
        }
    }

    private TestbedPlacement()
    {
    }

    /**
     * Places a two-tier job: workers rack by rack over the discovered racks, and in each rack with
     * workers its tier-1 aggregation, which sums the rack's chunks and exchanges rack sums with the
     * other racks over the uplinks. Either one aggregator in the rack switch's namespace (in-network
     * aggregation at the top of rack, as ViFusion's and SwitchML's switches do), or H aggregators on
     * the rack's worker hosts, each summing every H-th chunk, so that no one host link carries the
     * whole rack; shard s of each rack exchanges with shard s of the others. H is the fewest workers
     * any rack has, so every rack has every shard.
     *
     * @param name    the testbed, which must be up.
     * @param workers N.
     * @param onHosts whether tier 1 runs sharded on the rack's hosts rather than in its switch.
     * @return the placement, each rank in the group of its rack; aggregators rack by rack, shard by shard.
     * @throws IllegalArgumentException if the testbed is not up or has fewer than N hosts.
     */
    public static Placed placeHierarchical(final String name, final int workers, final boolean onHosts)
    {
        final Placed flat = place(name, workers, 0, Policy.TOPOLOGY);
        final List<Integer> racks = flat.workerHosts().stream().map(TestbedPlan.Host::rack).distinct().toList();
        final List<Integer> groups = flat.workerHosts().stream().map(host -> racks.indexOf(host.rack())).toList();
        final List<TestbedPlan.Host> aggregatorHosts = new ArrayList<>();
        if (onHosts)
        {
            final int shards = racks.stream().mapToInt(rack -> (int)flat.workerHosts().stream().filter(h -> h.rack() == rack).count())
                .min().orElseThrow();
            racks.forEach(rack -> aggregatorHosts.addAll(flat.workerHosts().stream().filter(h -> h.rack() == rack).limit(shards).toList()));
        }
        final Placement placement = flat.placement();
        return new Placed(flat.plan(), flat.job(), flat.workerHosts(), new Placement(placement.workerWrappers(), placement.workerAddresses(),
            onHosts ? aggregatorHosts.stream().map(h -> TestbedPlan.exec(h.namespace())).toList()
                : racks.stream().map(r -> TestbedPlan.exec(flat.plan().switchNamespace(r))).toList(),
            onHosts ? aggregatorHosts.stream().map(TestbedPlan.Host::address).toList() : racks.stream().map(TestbedPlan::switchAddress).toList(),
            groups));
    }

    /**
     * @param name        the testbed, which must be up.
     * @param workers     N.
     * @param aggregators A; 0 for the ring and HFBA baselines.
     * @param policy      how to place.
     * @return the placement.
     * @throws IllegalArgumentException if the testbed is not up or has fewer than N + A hosts.
     */
    public static Placed place(final String name, final int workers, final int aggregators, final Policy policy)
    {
        final TestbedPlan plan = Testbeds.require(name);
        final List<String> names = plan.hosts().stream().map(TestbedPlan.Host::name).toList();
        // placing in order or alternating needs no topology: the plan's host order is the rack order
        final List<List<String>> racks = policy != Policy.TOPOLOGY ? plan.rackNames() : RackInference.racks(names, TestbedRoutes.direct(plan));
        final JobPlacement job;
        try
        {
            job = switch (policy)
            {
                case TOPOLOGY -> GroupFormation.byRack(racks, workers, aggregators);
                case IN_ORDER -> GroupFormation.inOrder(racks, workers, aggregators);
                case ALTERNATING -> GroupFormation.alternating(racks, workers, aggregators);
            };
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("testbed '" + name + "' has " + ex.getMessage(), ex);
        }
        final Map<String, TestbedPlan.Host> hosts = plan.hosts().stream().collect(Collectors.toMap(TestbedPlan.Host::name, Function.identity()));
        final List<TestbedPlan.Host> workerHosts = job.workerHosts().stream().map(hosts::get).toList();
        final List<TestbedPlan.Host> aggregatorHosts = job.aggregatorHosts().stream().map(hosts::get).toList();
        return new Placed(plan, job, workerHosts, new Placement(workerHosts.stream().map(h -> TestbedPlan.exec(h.namespace())).toList(),
            workerHosts.stream().map(TestbedPlan.Host::address).toList(),
            aggregatorHosts.stream().map(h -> TestbedPlan.exec(h.namespace())).toList(),
            aggregatorHosts.stream().map(TestbedPlan.Host::address).toList()));
    }
}
