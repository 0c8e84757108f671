package io.fusewire.topology.probe;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a {@link LinkSurvey} measured, and the racks it inferred. Matrices are indexed in
 * {@link #hosts()} order, from row to column.
 *
 * @param hosts        the hosts' names.
 * @param hops         routers from each host to each other, -1 where the TTL was not seen.
 * @param rttMicros    shortest of 10 round trips over the transport, microseconds (noise only adds).
 * @param flows        single flows measured one at a time.
 * @param interference pairs of flows across two racks measured at once.
 * @param racks        the racks: hosts connected by zero-router paths.
 * @param elapsedMs    how long the survey took.
 */
public record Survey(List<String> hosts, int[][] hops, double[][] rttMicros, List<Flow> flows, List<Interference> interference,
    List<List<String>> racks, long elapsedMs)
{
    /**
     * One flow.
     *
     * @param from the sending host.
     * @param to   the receiving host.
     * @param mbit the rate its bytes landed at.
     */
    public record Flow(String from, String to, double mbit)
    {
    }

    /**
     * Two flows from rack {@code from} to rack {@code to} at once.
     *
     * @param from        a rack's index in {@link #racks()}.
     * @param to          another.
     * @param aloneMbit   the first flow measured alone.
     * @param together    both flows, measured at once.
     * @param sharedBelow together below this many times alone counts as one shared bottleneck.
     */
    public record Interference(int from, int to, double aloneMbit, List<Flow> together, double sharedBelow)
    {
        /** @return both flows' rates added. */
        public double togetherMbit()
        {
            return together.stream().mapToDouble(Flow::mbit).sum();
        }

        /** @return whether the two flows slowed each other: they cross one bottleneck. */
        public boolean shared()
        {
            return togetherMbit() < sharedBelow * aloneMbit;
        }
    }

    /** @return the survey as JSON: racks as lists of host names, then every measurement. */
    public String json()
    {
        return String.format(Locale.ROOT, "\"racks\":%s,\"hosts\":%s,\"hops\":%s,\"rtt_us\":%s,\"flows\":%s,\"interference\":%s,\"elapsed_ms\":%d",
            nested(racks), strings(hosts), Arrays.stream(hops).map(Arrays::toString).collect(Collectors.joining(",", "[", "]")).replace(" ", ""),
            Arrays.stream(rttMicros).map(row -> Arrays.stream(row).mapToObj(v -> String.format(Locale.ROOT, "%.1f", v))
                .collect(Collectors.joining(",", "[", "]"))).collect(Collectors.joining(",", "[", "]")),
            flows.stream().map(Survey::flow).collect(Collectors.joining(",", "[", "]")),
            interference.stream().map(i -> String.format(Locale.ROOT, "{\"from_rack\":%d,\"to_rack\":%d,\"alone_mbit\":%.1f,\"flows\":[%s],"
                + "\"together_mbit\":%.1f,\"shared\":%b}", i.from(), i.to(), i.aloneMbit(),
                i.together().stream().map(Survey::flow).collect(Collectors.joining(",")), i.togetherMbit(), i.shared()))
                .collect(Collectors.joining(",", "[", "]")),
            elapsedMs);
    }

    /** @return racks as a JSON list of lists of names. */
    public static String nested(final List<List<String>> racks)
    {
        return racks.stream().map(Survey::strings).collect(Collectors.joining(",", "[", "]"));
    }

    private static String strings(final List<String> names)
    {
        return names.stream().map(h -> "\"" + h + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    private static String flow(final Flow f)
    {
        return String.format(Locale.ROOT, "{\"from\":\"%s\",\"to\":\"%s\",\"mbit\":%.1f}", f.from(), f.to(), f.mbit());
    }
}
