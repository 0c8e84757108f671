package io.fusewire.perf.testbed;

import java.util.List;

/**
 * What each testbed host's kernel says about reaching each other host: directly on its link (the
 * same rack switch) or through a router (another rack). Read inside each host's namespace.
 */
public final class TestbedRoutes
{
    private TestbedRoutes()
    {
    }

    /**
     * @param plan an up testbed.
     * @return {@code direct[i][j]}: host i reaches host j with no router between (hosts in {@link TestbedPlan#hosts()} order).
     */
    public static boolean[][] direct(final TestbedPlan plan)
    {
        final List<TestbedPlan.Host> hosts = plan.hosts();
        final boolean[][] direct = new boolean[hosts.size()][hosts.size()];
        for (int i = 0; i < hosts.size(); i++)
        {
            for (int j = 0; j < hosts.size(); j++)
            {
                if (i != j)
                {
                    final String route = Commands.run(List.of("ip", "-n", hosts.get(i).namespace(), "route", "get", hosts.get(j).address()));
                    direct[i][j] = !route.contains(" via ");
                }
            }
        }
        return direct;
    }
}
