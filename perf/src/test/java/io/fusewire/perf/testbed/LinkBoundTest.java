package io.fusewire.perf.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fusewire.perf.cli.Placement;
import io.fusewire.topology.groups.JobPlacement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The link bounds of 2 racks x 4 hosts, against the arithmetic of two-tier aggregation (host rate B, uplink U = 4B/K). */
class LinkBoundTest
{
    private static final double B = 100e6 / 8 / 1e9; // 100 Mbit/s in GB/s

    @Test
    void twoTiersAre1point75TimesTheRackOrderedRingAtEveryOversubscription()
    {
        for (final double k : new double[] {4, 8})
        {
            final TestbedPlan plan = plan(k);
            final double u = B * 4 / k;
            final List<TestbedPlan.Host> all = plan.hosts();
            assertEquals(Math.min(B, u), bound(plan, all, List.of(), LinkBound.Pattern.RING), 1e-12,
                "a rack-ordered ring: busbw at most the slower link, K=" + k);
            // S on each host link, 2S(R-1)/R = S on each uplink, against 2S(N-1)/N = 1.75 S for the ring
            assertEquals(1.75 * Math.min(B, u), twoTiers(plan, false), 1e-12, "two tiers, K=" + k);
        }
    }

    @Test
    void twoTiersShardedOnTheHostsAreBoundByTheHostLinksWhereUplinksAreFast()
    {
        // a host runs a worker and a shard: out 3/4 S to the other shards, 3/4 S of results to the other workers and
        // 1/4 S to the other rack's shard (2/(RH)): 1.75 S, as the ring's; each uplink carries S, against the ring's 1.75 S
        assertEquals(B, twoTiers(plan(4), true), 1e-12, "K=4: the host links bind, as the ring's do");
        assertEquals(1.75 * B / 2, twoTiers(plan(8), true), 1e-12, "K=8: the uplink (B/2) binds, 1.75x the ring");
    }

    @Test
    void aRingWithRanksAlternatingRacksCrossesAnUplinkAtEveryHop()
    {
        final TestbedPlan plan = plan(4);
        final List<TestbedPlan.Host> all = plan.hosts();
        final List<TestbedPlan.Host> alternating = List.of(all.get(0), all.get(4), all.get(1), all.get(5), all.get(2), all.get(6), all.get(3),
            all.get(7));
        // each uplink carries 4 hops of 2S(N-1)/N out: busbw at most U/4
        assertEquals(B / 4, bound(plan, alternating, List.of(), LinkBound.Pattern.RING), 1e-12);
    }

    @Test
    void aFlatAggregatorInOneRackIsBoundByItsHostLinkOrTheOtherRacksUplink()
    {
        final TestbedPlan plan = plan(8);
        final List<TestbedPlan.Host> all = plan.hosts();
        final List<TestbedPlan.Host> workers = all.subList(0, 7);
        // rack 0's 4 workers send S each over its uplink (U = B/2): 8 S/B, beyond the aggregator's 7 S/B
        final double flat = bound(plan, workers, List.of(all.get(7)), LinkBound.Pattern.AGGREGATOR);
        assertEquals(2.0 * 6 / 7 * B / 8, flat, 1e-12);
        assertEquals(4.08, twoTiers(plan, false) / flat, 0.01, "about 4x at K=8");
    }

    private static TestbedPlan plan(final double oversubscription)
    {
        return new TestbedPlan("lb", 2, 4, 100, oversubscription);
    }

    /** Two tiers of all 8 hosts: rack aggregators in the switches, or a shard on each host. */
    private static double twoTiers(final TestbedPlan plan, final boolean onHosts)
    {
        final List<TestbedPlan.Host> all = plan.hosts();
        final List<String> addresses = onHosts ? all.stream().map(TestbedPlan.Host::address).toList()
            : List.of(TestbedPlan.switchAddress(0), TestbedPlan.switchAddress(1));
        final Placement placement = new Placement(List.of(), List.of(), List.of(), addresses, all.stream().map(TestbedPlan.Host::rack).toList());
        final JobPlacement job = new JobPlacement(plan.rackNames(), all.stream().map(TestbedPlan.Host::name).toList(), List.of());
        return LinkBound.busbwGbps(new TestbedPlacement.Placed(plan, job, all, placement), LinkBound.Pattern.HIERARCHICAL);
    }

    private static double bound(final TestbedPlan plan, final List<TestbedPlan.Host> workers, final List<TestbedPlan.Host> aggregators,
        final LinkBound.Pattern pattern)
    {
        final JobPlacement job = new JobPlacement(plan.rackNames(), workers.stream().map(TestbedPlan.Host::name).toList(),
            aggregators.stream().map(TestbedPlan.Host::name).toList());
        return LinkBound.busbwGbps(new TestbedPlacement.Placed(plan, job, workers, Placement.LOCAL), pattern);
    }
}
