package io.fusewire.topology.probe;

import io.fusewire.topology.racks.RackInference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Measures the links between hosts by asking each host's {@link ProbeAgent}, then groups the hosts
 * into racks. In order, so that no measurement disturbs another:
 * <ol>
 *   <li>hop counts between every pair (routers on the way, from the TTL), every host at once (a few datagrams);
 *       zero routers = one rack switch;</li>
 *   <li>round trips between every pair over the transport, one host at a time;</li>
 *   <li>one flow at a time: the first two hosts of each rack, and the first hosts of every two racks;</li>
 *   <li>interference: for every two racks with two hosts each, two flows from one to the other at once,
 *       against the one flow alone; if together they carry less than 1.5x one flow, they share a bottleneck
 *       (the racks' uplinks).</li>
 * </ol>
 * Hosts x (hosts - 1) hop probes and round-trip sets; R + R(R-1) single flows of {@link #FLOW} and, for every two
 * racks, one pair at once: seconds for 16 hosts (measured: 11-15 s for 4 x 4).
 */
public final class LinkSurvey
{
    /** How long each measured flow lasts. */
    public static final Duration FLOW = Duration.ofMillis(200);
    /** How long an agent may take per peer it measures (connect, probes, answer). */
    private static final Duration BOUND_PER_PEER = FLOW.plus(Duration.ofSeconds(6));

    private LinkSurvey()
    {
    }

    /**
     * @param hosts the hosts, each with its agent running.
     * @return what was measured and the racks inferred from it.
     * @throws IllegalStateException naming the host whose agent failed or did not answer in time.
     */
    public static Survey run(final List<ProbeHost> hosts)
    {
        final long start = System.nanoTime();
        final int n = hosts.size();
        final int[][] hops = new int[n][n];
        final double[][] rtt = new double[n][n];
        final List<CompletableFuture<String[]>> hopAnswers = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final ProbeHost host = hosts.get(i);
            final List<ProbeHost> others = others(hosts, i);
            hopAnswers.add(CompletableFuture.supplyAsync(() -> ask(host, "hops " + others.stream().map(h -> h.address() + ":" + h.hopPort())
                .collect(Collectors.joining(" ")), others.size(), "hops"), Thread::startVirtualThread));
        }
        for (int i = 0; i < n; i++)
        {
            final String[] counts = await(hopAnswers.get(i), bound(n - 1), "hop counts from " + hosts.get(i).name());
            for (int k = 0, j = 0; j < n; j++)
            {
                hops[i][j] = j == i ? 0 : Integer.parseInt(counts[k++]);
            }
        }
        for (int i = 0; i < n; i++)
        {
            final String[] trips = ask(hosts.get(i), "rtt " + others(hosts, i).stream().map(ProbeHost::linkAddress)
                .collect(Collectors.joining(" ")), n - 1, "rtt");
            for (int k = 0, j = 0; j < n; j++)
            {
                rtt[i][j] = j == i ? 0 : Double.parseDouble(trips[k++]);
            }
        }
        final List<String> names = hosts.stream().map(ProbeHost::name).toList();
        final List<List<String>> racks = RackInference.racks(names, sameSwitch(hops));
        final List<Survey.Flow> flows = new ArrayList<>();
        for (final List<String> rack : racks)
        {
            if (rack.size() >= 2)
            {
                flows.add(flow(hosts, names, rack.get(0), rack.get(1)));
            }
        }
        final List<Survey.Interference> interference = new ArrayList<>();
        for (int a = 0; a < racks.size(); a++)
        {
            for (int b = 0; b < racks.size(); b++)
            {
                if (a != b)
                {
                    final Survey.Flow alone = flow(hosts, names, racks.get(a).get(0), racks.get(b).get(0));
                    flows.add(alone);
                    if (a < b && racks.get(a).size() >= 2 && racks.get(b).size() >= 2)
                    {
                        interference.add(together(hosts, names, racks, a, b, alone));
                    }
                }
            }
        }
        return new Survey(names, hops, rtt, flows, interference, racks, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** @return {@code together[i][j]}: either direction between i and j crossed no router. */
    static boolean[][] sameSwitch(final int[][] hops)
    {
        final boolean[][] together = new boolean[hops.length][hops.length];
        for (int i = 0; i < hops.length; i++)
        {
            for (int j = 0; j < hops.length; j++)
            {
                together[i][j] = i != j && (hops[i][j] == 0 || hops[j][i] == 0);
            }
        }
        return together;
    }

    private static Survey.Flow flow(final List<ProbeHost> hosts, final List<String> names, final String from, final String to)
    {
        final ProbeHost source = hosts.get(names.indexOf(from));
        final ProbeHost target = hosts.get(names.indexOf(to));
        return new Survey.Flow(from, to, Double.parseDouble(ask(source, bw(target), 1, "bw")[0]));
    }

    private static Survey.Interference together(final List<ProbeHost> hosts, final List<String> names, final List<List<String>> racks,
        final int a, final int b, final Survey.Flow alone)
    {
        final CompletableFuture<Survey.Flow> first = CompletableFuture.supplyAsync(
            () -> flow(hosts, names, racks.get(a).get(0), racks.get(b).get(0)), Thread::startVirtualThread);
        final CompletableFuture<Survey.Flow> second = CompletableFuture.supplyAsync(
            () -> flow(hosts, names, racks.get(a).get(1), racks.get(b).get(1)), Thread::startVirtualThread);
        final String what = "two flows from rack " + a + " to rack " + b;
        return new Survey.Interference(a, b, alone.mbit(), List.of(await(first, bound(1), what), await(second, bound(1), what)));
    }

    private static <T> T await(final CompletableFuture<T> future, final Duration bound, final String what)
    {
        try
        {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException(what + ": no answer within " + bound.toMillis() + " ms");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    private static String bw(final ProbeHost target)
    {
        return "bw " + target.linkAddress() + " " + FLOW.toMillis();
    }

    private static String[] ask(final ProbeHost host, final String command, final int peers, final String expected)
    {
        final String answer = host.channel().ask(command, bound(peers));
        final String[] words = answer.split(" ");
        if (!words[0].equals(expected) || words.length != peers + 1)
        {
            throw new IllegalStateException("host " + host.name() + ": " + (words[0].equals("error") ? answer.substring(5).strip()
                : "unexpected answer '" + answer + "' to " + expected));
        }
        final String[] values = new String[peers];
        System.arraycopy(words, 1, values, 0, peers);
        return values;
    }

    /** @return how long an agent may take to measure {@code peers} peers. */
    private static Duration bound(final int peers)
    {
        return BOUND_PER_PEER.multipliedBy(Math.max(1, peers));
    }

    private static List<ProbeHost> others(final List<ProbeHost> hosts, final int i)
    {
        final List<ProbeHost> others = new ArrayList<>(hosts);
        others.remove(i);
        return others;
    }
}
