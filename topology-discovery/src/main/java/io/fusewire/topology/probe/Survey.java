package io.fusewire.topology.probe;

import io.fusewire.topology.Json;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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
     */
    public record Interference(int from, int to, double aloneMbit, List<Flow> together)
    {
        /** Two flows that together carry less than this many times one alone cross one bottleneck. */
        public static final double SHARED_BELOW = 1.5;

        /** @return both flows' rates added. */
        public double togetherMbit()
        {
            return together.stream().mapToDouble(Flow::mbit).sum();
        }

        /** @return whether the two flows slowed each other: they cross one bottleneck. */
        public boolean shared()
        {
            return togetherMbit() < SHARED_BELOW * aloneMbit;
        }
    }

    /**
     * @return the survey as the members of a JSON object, without its braces, for a caller to put
     *     inside its own document: racks as lists of host names, then every measurement.
     */
    public String jsonMembers()
    {
        return String.format(Locale.ROOT, "\"racks\":%s,\"hosts\":%s,\"hops\":%s,\"rtt_us\":%s,\"flows\":%s,\"interference\":%s,\"elapsed_ms\":%d",
            Json.nested(racks), Json.strings(hosts), Json.array(Arrays.stream(hops).map(row -> Arrays.toString(row).replace(" ", "")).toList()),
            Json.array(Arrays.stream(rttMicros).map(row -> Json.array(Arrays.stream(row)
                .mapToObj(v -> String.format(Locale.ROOT, "%.1f", v)).toList())).toList()),
            Json.array(flows.stream().map(Survey::flow).toList()),
            Json.array(interference.stream().map(i -> String.format(Locale.ROOT, "{\"from_rack\":%d,\"to_rack\":%d,\"alone_mbit\":%.1f,"
                + "\"flows\":%s,\"together_mbit\":%.1f,\"shared\":%b}", i.from(), i.to(), i.aloneMbit(),
                Json.array(i.together().stream().map(Survey::flow).toList()), i.togetherMbit(), i.shared())).toList()),
            elapsedMs);
    }

    private static String flow(final Flow f)
    {
        return String.format(Locale.ROOT, "{\"from\":%s,\"to\":%s,\"mbit\":%.1f}", Json.quote(f.from()), Json.quote(f.to()), f.mbit());
    }
}
