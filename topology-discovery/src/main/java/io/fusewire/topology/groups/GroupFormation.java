package io.fusewire.topology.groups;

import java.util.ArrayList;
import java.util.List;

/**
 * Places a flat aggregation job on racks, one process per host. Two policies:
 * <ul>
 *   <li>{@link #byRack}: each rack in turn gets workers and aggregators in the job's own proportion N : A
 *       (rounded, as room allows), ranks contiguous rack by rack; so each rack's workers find their share of
 *       the aggregators behind their own switch, and the uplinks carry only the rest;</li>
 *   <li>{@link #inOrder}: workers on the first hosts, aggregators on the last, as a launcher that knows no
 *       topology would: the reference the first is measured against;</li>
 *   <li>{@link #alternating}: ranks dealt to the racks in turn, as a launcher that interleaves its allocation
 *       does: the worst case for a ring, whose every hop then crosses an uplink.</li>
 * </ul>
 */
public final class GroupFormation
{
    private GroupFormation()
    {
    }

    /**
     * @param racks       the racks, lists of host names, in order.
     * @param workers     N, at least 1.
     * @param aggregators A; 0 places workers alone (a ring's), rack by rack.
     * @return the placement.
     * @throws IllegalArgumentException if N + A exceeds the hosts.
     */
    public static JobPlacement byRack(final List<List<String>> racks, final int workers, final int aggregators)
    {
        check(racks, workers, aggregators);
        final List<String> workerHosts = new ArrayList<>();
        final List<String> aggregatorHosts = new ArrayList<>();
        final List<String> spare = new ArrayList<>();
        for (final List<String> rack : racks)
        {
            final int w = Math.min(workers - workerHosts.size(),
                (int)Math.round(rack.size() * (double)workers / (workers + aggregators)));
            final int a = Math.min(aggregators - aggregatorHosts.size(), rack.size() - w);
            workerHosts.addAll(rack.subList(0, w));
            aggregatorHosts.addAll(rack.subList(w, w + a));
            spare.addAll(rack.subList(w + a, rack.size()));
        }
        while (workerHosts.size() < workers)
        {
            workerHosts.add(spare.removeFirst());
        }
        while (aggregatorHosts.size() < aggregators)
        {
            aggregatorHosts.add(spare.removeFirst());
        }
        final List<String> order = racks.stream().flatMap(List::stream).toList();
        workerHosts.sort((x, y) -> Integer.compare(order.indexOf(x), order.indexOf(y)));
        return new JobPlacement(racks, List.copyOf(workerHosts), List.copyOf(aggregatorHosts));
    }

    /**
     * @return workers on the first hosts (rack order), aggregators on the last.
     * @throws IllegalArgumentException if N + A exceeds the hosts.
     */
    public static JobPlacement inOrder(final List<List<String>> racks, final int workers, final int aggregators)
    {
        check(racks, workers, aggregators);
        final List<String> hosts = racks.stream().flatMap(List::stream).toList();
        return new JobPlacement(racks, hosts.subList(0, workers), hosts.subList(hosts.size() - aggregators, hosts.size()));
    }

    /**
     * @return worker ranks dealt to the racks in turn (rank 0 to rack 0, rank 1 to rack 1, ..., skipping full racks),
     *     aggregators on the last hosts left.
     * @throws IllegalArgumentException if N + A exceeds the hosts.
     */
    public static JobPlacement alternating(final List<List<String>> racks, final int workers, final int aggregators)
    {
        check(racks, workers, aggregators);
        final List<String> dealt = new ArrayList<>();
        final int deepest = racks.stream().mapToInt(List::size).max().orElse(0);
        for (int depth = 0; depth < deepest; depth++)
        {
            for (final List<String> rack : racks)
            {
                if (depth < rack.size())
                {
                    dealt.add(rack.get(depth));
                }
            }
        }
        return new JobPlacement(racks, List.copyOf(dealt.subList(0, workers)), List.copyOf(dealt.subList(dealt.size() - aggregators,
            dealt.size())));
    }

    private static void check(final List<List<String>> racks, final int workers, final int aggregators)
    {
        final int hosts = racks.stream().mapToInt(List::size).sum();
        if (workers < 1 || aggregators < 0 || workers + aggregators > hosts)
        {
            throw new IllegalArgumentException(hosts + " hosts; " + workers + " workers and " + aggregators + " aggregators need "
                + (workers + aggregators) + " (one process per host)");
        }
    }
}
