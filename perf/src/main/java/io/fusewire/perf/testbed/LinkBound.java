package io.fusewire.perf.testbed;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The most busbw a job can reach on a testbed, from the bytes its pattern puts on each link: per
 * collective of S bytes, each host link and each rack uplink carries some multiple of S in each
 * direction, so a collective takes at least the largest (multiple / link rate) times S, and
 * busbw = 2(N-1)/N x S / that time. Processes, cores and protocol overhead are left out: a bound.
 *
 * <pre>
 *   pattern        per collective, in units of S, each direction
 *   ring           rank i -> rank i+1: 2(N-1)/N on i's host link out and i+1's in; on both racks' uplinks where they differ
 *   aggregator     each worker <-> each of the A aggregators: 1/A each way, on the uplinks where their racks differ
 *   hierarchical   each worker <-> each of its rack's H tier-1 shards (one in the switch, or on H of its hosts): 1/H each way;
 *                  shard s of rack r <-> shard s of each other rack: 2/(RH) each way (rack sums to the owner of 1/R
 *                  of its chunks, the totals of its own 1/R back), so each uplink carries 2(R-1)/R
 * </pre>
 */
public final class LinkBound
{
    /** How a job's bytes travel. */
    public enum Pattern
    {
        /** Reduce-scatter and all-gather around the ranks in order. */
        RING,
        /** Every worker to every flat aggregator and back. */
        AGGREGATOR,
        /** Workers to their rack switch's aggregator, rack sums among the switches. */
        HIERARCHICAL;

        /** @return the pattern of a harness algorithm (aggregator, ring, hierarchical), or null for one not modelled (HFBA). */
        public static Pattern of(final String algorithm)
        {
            return switch (algorithm)
            {
                case "hierarchical" -> HIERARCHICAL;
                case "aggregator" -> AGGREGATOR;
                case "ring" -> RING;
                default -> null;
            };
        }
    }

    private final Map<String, Double> hostOut = new HashMap<>();
    private final Map<String, Double> hostIn = new HashMap<>();
    private final Map<Integer, Double> upOut = new HashMap<>();
    private final Map<Integer, Double> upIn = new HashMap<>();

    private LinkBound()
    {
    }

    /**
     * @param placed  where the job's processes run.
     * @param pattern how its bytes travel.
     * @return the bound on its busbw, GB/s (1e9 bytes/s).
     */
    public static double busbwGbps(final TestbedPlacement.Placed placed, final Pattern pattern)
    {
        final TestbedPlan plan = placed.plan();
        final Map<String, TestbedPlan.Host> hosts = plan.hosts().stream().collect(Collectors.toMap(TestbedPlan.Host::name,
            Function.identity()));
        final List<TestbedPlan.Host> workers = placed.workerHosts();
        final int n = workers.size();
        final LinkBound links = new LinkBound();
        switch (pattern)
        {
            case RING ->
            {
                for (int rank = 0; rank < n; rank++)
                {
                    links.carry(workers.get(rank), workers.get((rank + 1) % n), 2.0 * (n - 1) / n);
                }
            }
            case AGGREGATOR ->
            {
                final List<TestbedPlan.Host> aggregators = placed.job().aggregatorHosts().stream().map(hosts::get).toList();
                for (final TestbedPlan.Host worker : workers)
                {
                    for (final TestbedPlan.Host aggregator : aggregators)
                    {
                        links.carry(worker, aggregator, 1.0 / aggregators.size());
                        links.carry(aggregator, worker, 1.0 / aggregators.size());
                    }
                }
            }
            case HIERARCHICAL ->
            {
                // R racks, each with H shards (aggregators) of tier 1: in the rack switch (host null, H = 1) or on its hosts
                final List<Integer> racks = workers.stream().map(TestbedPlan.Host::rack).distinct().toList();
                final List<TestbedPlan.Host> shardHosts = placed.rackAggregatorHosts();
                final int shards = placed.placement().rackShards();
                final int r = racks.size();
                for (final TestbedPlan.Host worker : workers)
                {
                    final int group = racks.indexOf(worker.rack());
                    for (int s = 0; s < shards; s++)
                    {
                        links.carry(worker, worker.rack(), shardHosts.get(group * shards + s), worker.rack(), 1.0 / shards);
                        links.carry(shardHosts.get(group * shards + s), worker.rack(), worker, worker.rack(), 1.0 / shards);
                    }
                }
                // shard s of each rack sends the other racks' owners their 1/R of its rack sums, and them the totals it owns
                for (int from = 0; from < r; from++)
                {
                    for (int to = 0; to < r; to++)
                    {
                        for (int s = 0; s < shards; s++)
                        {
                            if (from != to)
                            {
                                links.carry(shardHosts.get(from * shards + s), racks.get(from), shardHosts.get(to * shards + s), racks.get(to),
                                    2.0 / r / shards);
                            }
                        }
                    }
                }
            }
        }
        final double hostBytesPerSecond = plan.hostRateMbit() * 1e6 / 8;
        final double upBytesPerSecond = plan.uplinkRateMbit() * 1e6 / 8;
        final double secondsPerByte = Math.max(Math.max(max(links.hostOut), max(links.hostIn)) / hostBytesPerSecond,
            Math.max(max(links.upOut), max(links.upIn)) / upBytesPerSecond);
        return 2.0 * (n - 1) / n / secondsPerByte / 1e9;
    }

    /** S x share from one host to another (both in the same rack, or each in its rack). */
    private void carry(final TestbedPlan.Host from, final TestbedPlan.Host to, final double share)
    {
        carry(from, from.rack(), to, to.rack(), share);
    }

    /**
     * S x share from one place to another, each a host or a rack switch (host null, which has no host
     * link of its own); nothing where both are one host (its loopback).
     */
    private void carry(final TestbedPlan.Host from, final int fromRack, final TestbedPlan.Host to, final int toRack, final double share)
    {
        if (from != null && from.equals(to))
        {
            return;
        }
        if (from != null)
        {
            hostOut.merge(from.name(), share, Double::sum);
        }
        if (to != null)
        {
            hostIn.merge(to.name(), share, Double::sum);
        }
        if (fromRack != toRack)
        {
            upOut.merge(fromRack, share, Double::sum);
            upIn.merge(toRack, share, Double::sum);
        }
    }

    private static double max(final Map<?, Double> loads)
    {
        return loads.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }
}
