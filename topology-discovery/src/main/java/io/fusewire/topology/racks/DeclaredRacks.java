package io.fusewire.topology.racks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Racks as an operator declares them, in a file of one rack per line, host names separated by
 * spaces; {@code #} starts a comment, blank lines are skipped:
 *
 * <pre>
 *   # rack 0
 *   r0h0 r0h1 r0h2
 *   r1h0 r1h1 r1h2
 * </pre>
 */
public final class DeclaredRacks
{
    private DeclaredRacks()
    {
    }

    /**
     * @param file  the file.
     * @param hosts every host that must appear, exactly once.
     * @return the racks, each a list of names in the order of {@code hosts}, racks ordered by their first host (as
     *     {@link RackInference} orders them, so the two compare with equals).
     * @throws IllegalArgumentException naming the line or the host that is wrong.
     */
    public static List<List<String>> read(final Path file, final List<String> hosts)
    {
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the racks file " + file + ": " + ex.getMessage(), ex);
        }
        final List<List<String>> racks = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (int n = 0; n < lines.size(); n++)
        {
            final String line = lines.get(n).replaceFirst("#.*", "").trim();
            if (line.isEmpty())
            {
                continue;
            }
            final List<String> rack = new ArrayList<>(Arrays.asList(line.split("\\s+")));
            for (final String host : rack)
            {
                if (!hosts.contains(host))
                {
                    throw new IllegalArgumentException(file + " line " + (n + 1) + ": no host called '" + host + "'; the hosts are " + hosts);
                }
                if (!seen.add(host))
                {
                    throw new IllegalArgumentException(file + " line " + (n + 1) + ": host '" + host + "' is in two racks");
                }
            }
            rack.sort((a, b) -> Integer.compare(hosts.indexOf(a), hosts.indexOf(b)));
            racks.add(List.copyOf(rack));
        }
        final List<String> missing = hosts.stream().filter(h -> !seen.contains(h)).toList();
        if (!missing.isEmpty())
        {
            throw new IllegalArgumentException(file + " places no rack for " + missing + ": every host goes in one rack");
        }
        racks.sort((a, b) -> Integer.compare(hosts.indexOf(a.getFirst()), hosts.indexOf(b.getFirst())));
        return List.copyOf(racks);
    }
}
