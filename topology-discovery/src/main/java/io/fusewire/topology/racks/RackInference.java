package io.fusewire.topology.racks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups hosts into racks from pairwise evidence that two hosts share a rack switch (a testbed host
 * reaching the other directly on its link, or a probed path that crossed no router).
 * Sharing a switch is taken as transitive: the racks are the connected groups.
 */
public final class RackInference
{
    private RackInference()
    {
    }

    /**
     * @param hosts    the hosts' names.
     * @param together {@code together[i][j]}: the evidence says host i and host j share a rack.
     * @return the racks, each a list of host names in the given order, racks ordered by their first host.
     */
    public static List<List<String>> racks(final List<String> hosts, final boolean[][] together)
    {
        final int n = hosts.size();
        final int[] parent = new int[n];
        for (int i = 0; i < n; i++)
        {
            parent[i] = i;
        }
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i != j && together[i][j])
                {
                    parent[root(parent, i)] = root(parent, j);
                }
            }
        }
        final Map<Integer, List<String>> racks = new LinkedHashMap<>();
        for (int i = 0; i < n; i++)
        {
            racks.computeIfAbsent(root(parent, i), r -> new ArrayList<>()).add(hosts.get(i));
        }
        return List.copyOf(racks.values());
    }

    private static int root(final int[] parent, final int i)
    {
        int r = i;
        while (parent[r] != r)
        {
            r = parent[r];
        }
        return r;
    }
}
