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
        Testbeds.requireRoot();
        final List<TestbedPlan.Host> hosts = plan.hosts();
        final boolean[][] direct = new boolean[hosts.size()][hosts.size()];
        final List<String> queries = hosts.stream().map(h -> "route get " + h.address()).toList();
        for (int i = 0; i < hosts.size(); i++)
        {
            // one ip process per host; each answer starts on a line of its own, continuation lines are indented
            final List<String> answers = Commands.run(List.of("ip", "-n", hosts.get(i).namespace()), queries).lines()
                .filter(line -> !line.isEmpty() && !Character.isWhitespace(line.charAt(0))).toList();
            if (answers.size() != hosts.size())
            {
                throw new IllegalStateException("ip route get in " + hosts.get(i).name() + " answered " + answers.size() + " of "
                    + hosts.size() + " queries: " + answers);
            }
            for (int j = 0; j < hosts.size(); j++)
            {
                direct[i][j] = i != j && !answers.get(j).contains(" via ");
            }
        }
        return direct;
    }
}
