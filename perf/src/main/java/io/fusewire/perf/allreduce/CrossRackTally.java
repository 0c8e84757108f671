package io.fusewire.perf.allreduce;

import io.fusewire.aggregator.CountersFile;
import io.fusewire.transport.TransportContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the rack aggregators of a two-tier run counted, against the arithmetic: every byte of every
 * tensor goes up once ("bytes up"), and per byte up a rack sends and receives 2(R-1)/R bytes across
 * racks (the rack sums of the chunks other racks own, the totals of those it owns).
 */
final class CrossRackTally
{
    private CrossRackTally()
    {
    }

    /**
     * @param pids the rack aggregators' process ids, in rack order; read while they run.
     * @return one line per rack, or a line saying why a rack's counters could not be read.
     */
    static List<String> lines(final List<Long> pids)
    {
        final int racks = pids.size();
        final double arithmetic = 2.0 * (racks - 1) / racks;
        final List<String> lines = new ArrayList<>();
        for (int rack = 0; rack < racks; rack++)
        {
            final long pid = pids.get(rack);
            try (CountersFile counters = CountersFile.ofProcess(Path.of(TransportContext.SHM_DIRECTORY_DEFAULT), pid))
            {
                if (counters == null)
                {
                    lines.add("# rack " + rack + ": no counters of pid " + pid + " in " + TransportContext.SHM_DIRECTORY_DEFAULT);
                    continue;
                }
                final long up = counters.value("bytes up");
                final long out = counters.value("bytes across racks out");
                final long in = counters.value("bytes across racks in");
                lines.add(String.format("# rack %d: %,d tensor bytes summed up; across racks %,d out (%.4f per byte), %,d in (%.4f);"
                    + " 2(R-1)/R = %.4f", rack, up, out, (double)out / up, in, (double)in / up, arithmetic));
            }
            catch (final IOException ex)
            {
                lines.add("# rack " + rack + ": its counters could not be read: " + ex.getMessage());
            }
        }
        return lines;
    }
}
