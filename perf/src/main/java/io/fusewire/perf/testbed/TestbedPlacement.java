package io.fusewire.perf.testbed;

import io.fusewire.perf.cli.Placement;
import io.fusewire.topology.groups.GroupFormation;
import io.fusewire.topology.groups.JobPlacement;
import io.fusewire.topology.racks.RackInference;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

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
    }

    private TestbedPlacement()
    {
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
