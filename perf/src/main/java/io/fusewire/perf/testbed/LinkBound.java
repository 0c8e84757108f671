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
 *   hierarchical   each worker <-> its rack's switch: 1 each way (no uplink);
 *                  each of the R racks' uplinks: 2(R-1)/R (rack sums to the other owners, totals of its own chunks back)
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
                final List<Integer> racks = workers.stream().map(TestbedPlan.Host::rack).distinct().toList();
                workers.forEach(worker -> links.carry(worker, null, 1.0));
                workers.forEach(worker -> links.carry(null, worker, 1.0));
                racks.forEach(rack ->
                {
                    links.upOut.merge(rack, 2.0 * (racks.size() - 1) / racks.size(), Double::sum);
                    links.upIn.merge(rack, 2.0 * (racks.size() - 1) / racks.size(), Double::sum);
                });
            }
        }
        final double hostBytesPerSecond = plan.hostRateMbit() * 1e6 / 8;
        final double upBytesPerSecond = plan.uplinkRateMbit() * 1e6 / 8;
        final double secondsPerByte = Math.max(Math.max(max(links.hostOut), max(links.hostIn)) / hostBytesPerSecond,
            Math.max(max(links.upOut), max(links.upIn)) / upBytesPerSecond);
        return 2.0 * (n - 1) / n / secondsPerByte / 1e9;
    }

    /** S x share from one host to another (null: the rack switch, which has no host link of its own). */
    private void carry(final TestbedPlan.Host from, final TestbedPlan.Host to, final double share)
    {
        if (from != null)
        {
            hostOut.merge(from.name(), share, Double::sum);
        }
        if (to != null)
        {
            hostIn.merge(to.name(), share, Double::sum);
        }
        if (from != null && to != null && from.rack() != to.rack())
        {
            upOut.merge(from.rack(), share, Double::sum);
            upIn.merge(to.rack(), share, Double::sum);
        }
    }

    private static double max(final Map<?, Double> loads)
    {
        return loads.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }
}
