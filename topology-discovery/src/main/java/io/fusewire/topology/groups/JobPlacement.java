package io.fusewire.topology.groups;

import java.util.List;
import java.util.Locale;

/**
 * Where the processes of a flat aggregation job go: a host per worker rank and per aggregator, with
 * the racks they were placed over, so the traffic each rack's uplink carries can be worked out.
 *
 * @param racks           the racks, lists of host names.
 * @param workerHosts     per rank, its host.
 * @param aggregatorHosts per aggregator, its host.
 */
public record JobPlacement(List<List<String>> racks, List<String> workerHosts, List<String> aggregatorHosts)
{
    /**
     * The most any rack's uplink carries in one direction, per byte of the reduced tensor: every
     * worker writes 1/A of its tensor to each aggregator and gets 1/A of the sum back from each, so
     * a rack with w workers and a aggregators sends w x (A - a) / A out for the workers, and receives
     * as much for its aggregators from the (N - w) workers elsewhere: (N - w) x a / A.
     *
     * @return the largest such volume over the racks and both directions, in tensors; 0 with no aggregators.
     */
    public double maxUplinkTensors()
    {
        final int n = workerHosts.size();
        final int a = aggregatorHosts.size();
        double max = 0;
        if (a == 0)
        {
            return max;
        }
        for (final List<String> rack : racks)
        {
            final long w = workerHosts.stream().filter(rack::contains).count();
            final long local = aggregatorHosts.stream().filter(rack::contains).count();
            final double outbound = w * (double)(a - local) / a + (n - w) * (double)local / a;
            max = Math.max(max, outbound);
        }
        return max;
    }

    /** @return the placement rack by rack, one line, with the uplink volume. */
    public String describe()
    {
        final StringBuilder text = new StringBuilder();
        for (int r = 0; r < racks.size(); r++)
        {
            final List<String> rack = racks.get(r);
            final StringBuilder line = new StringBuilder();
            for (int rank = 0; rank < workerHosts.size(); rank++)
            {
                if (rack.contains(workerHosts.get(rank)))
                {
                    line.append(" worker ").append(rank).append(" on ").append(workerHosts.get(rank)).append(',');
                }
            }
            for (int i = 0; i < aggregatorHosts.size(); i++)
            {
                if (rack.contains(aggregatorHosts.get(i)))
                {
                    line.append(" aggregator ").append(i).append(" on ").append(aggregatorHosts.get(i)).append(',');
                }
            }
            if (!line.isEmpty())
            {
                text.append(text.isEmpty() ? "" : "; ").append("rack ").append(r).append(':').append(line, 0, line.length() - 1);
            }
        }
        return text + (aggregatorHosts.isEmpty() ? ""
            : String.format(Locale.ROOT, "; the busiest uplink carries %.2f x the tensor each way", maxUplinkTensors()));
    }
}
