package io.fusewire.perf.topo;

import io.fusewire.topology.probe.Survey;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/** A testbed's inferred racks in words: the racks, whether they agree with the declared ones, and the evidence. */
final class RackReport
{
    private RackReport()
    {
    }

    /** The racks inferred from each host's routes, with the route matrix. */
    static void routes(final PrintWriter out, final List<String> hosts, final boolean[][] direct, final List<List<String>> inferred,
        final List<List<String>> declared, final String declaredBy)
    {
        racks(out, inferred, declared, declaredBy);
        out.println("  routes (d: direct on the link, r: through a router):");
        matrix(out, hosts, i -> j -> i == j ? "-" : direct[i][j] ? "d" : "r");
    }

    /** The racks inferred from a link survey, with every measurement. */
    static void survey(final PrintWriter out, final Survey survey, final List<List<String>> declared, final String declaredBy)
    {
        out.printf("%d hosts probed in %.1f s; racks inferred from the routers counted on each path (TTL)%n", survey.hosts().size(),
            survey.elapsedMs() / 1000.0);
        racks(out, survey.racks(), declared, declaredBy);
        out.println("  routers on the path (-1: TTL not seen):");
        matrix(out, survey.hosts(), i -> j -> i == j ? "-" : Integer.toString(survey.hops()[i][j]));
        out.println("  round trip over the transport, us (shortest of 10):");
        matrix(out, survey.hosts(), i -> j -> i == j ? "-" : String.format(Locale.ROOT, "%.0f", survey.rttMicros()[i][j]));
        out.println("  single flows, one at a time, Mbit/s:");
        survey.flows().forEach(f -> out.printf(Locale.ROOT, "    %s -> %s  %.1f%n", f.from(), f.to(), f.mbit()));
        for (final Survey.Interference i : survey.interference())
        {
            out.printf(Locale.ROOT, "  two flows from rack %d to rack %d at once: %s = %.1f Mbit/s (one alone: %.1f): %s%n", i.from(), i.to(),
                i.together().stream().map(f -> String.format(Locale.ROOT, "%.1f", f.mbit())).collect(Collectors.joining(" + ")),
                i.togetherMbit(), i.aloneMbit(), i.shared() ? "they share a bottleneck (the racks' uplinks)" : "no shared bottleneck");
        }
        if (survey.hosts().size() > 1 && survey.interference().isEmpty())
        {
            out.println("  interference: not measured (needs two racks of two hosts or more)");
        }
    }

    private static void racks(final PrintWriter out, final List<List<String>> inferred, final List<List<String>> declared,
        final String declaredBy)
    {
        for (int r = 0; r < inferred.size(); r++)
        {
            out.printf("  rack %d: %s%n", r, String.join(" ", inferred.get(r)));
        }
        if (declared == null)
        {
            out.println("  no racks declared to check against (--racks-file)");
            return;
        }
        out.println(inferred.equals(declared) ? "  " + declaredBy + " declares the same racks"
            : "  DISAGREES with " + declaredBy + ", which declares " + declared);
    }

    private static void matrix(final PrintWriter out, final List<String> hosts, final IntFunction<IntFunction<String>> cell)
    {
        final String column = "%-" + Math.max(7, hosts.stream().mapToInt(String::length).max().orElse(0) + 2) + "s";
        out.printf("    " + column + "%s%n", "", hosts.stream().map(h -> String.format(column, h)).collect(Collectors.joining()));
        for (int i = 0; i < hosts.size(); i++)
        {
            final StringBuilder row = new StringBuilder();
            for (int j = 0; j < hosts.size(); j++)
            {
                row.append(String.format(column, cell.apply(i).apply(j)));
            }
            out.printf("    " + column + "%s%n", hosts.get(i), row);
        }
    }
}
