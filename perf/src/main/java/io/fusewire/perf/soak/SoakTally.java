package io.fusewire.perf.soak;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Gathers the soak workers' result lines (see {@link SoakWorkerCommand}) and the aggregators'
 * memory into the verdict: wrong elements, collectives done, and per process the resident memory
 * after the warm-up and at the end.
 */
final class SoakTally
{
    private final long[] markRss;
    private final long[] markDirect;
    private final long[] endRss;
    private final long[] endDirect;
    private final long[] done;
    private long wrongElements;
    private long wrongCollectives;
    private long bytes;
    private long elapsedNs;
    private List<Long> aggregatorPids = List.of();
    private long[] aggregatorMarkRss = new long[0];
    private long[] aggregatorEndRss = new long[0];

    /**
     * What came of a soak.
     *
     * @param line     the summary line.
     * @param problems what makes it fail besides the workers' own failures.
     */
    record Verdict(String line, List<String> problems)
    {
    }

    /**
     * @param workers N.
     */
    SoakTally(final int workers)
    {
        markRss = filled(workers);
        markDirect = filled(workers);
        endRss = filled(workers);
        endDirect = filled(workers);
        done = new long[workers];
    }

    /** @param pids the aggregator processes, whose memory is read when the first worker ends its warm-up and at the end. */
    synchronized void watchAggregators(final List<Long> pids)
    {
        aggregatorPids = List.copyOf(pids);
        aggregatorMarkRss = filled(pids.size());
        aggregatorEndRss = filled(pids.size());
    }

    /**
     * @param rank the reporting worker.
     * @param line what followed RESULT.
     * @param out  where wrong collectives are described.
     */
    synchronized void accept(final int rank, final String line, final PrintWriter out)
    {
        final String[] f = line.trim().split("\\s+");
        switch (f[0])
        {
            case "mark" ->
            {
                markRss[rank] = Long.parseLong(f[1]);
                markDirect[rank] = Long.parseLong(f[2]);
                if (Arrays.stream(aggregatorMarkRss).allMatch(rss -> rss < 0))
                {
                    for (int a = 0; a < aggregatorPids.size(); a++)
                    {
                        aggregatorMarkRss[a] = ProcessMemory.rssBytes(aggregatorPids.get(a));
                    }
                }
            }
            case "wrong" -> out.println("# worker " + rank + ": collective " + f[1] + " (" + f[2] + " " + f[3] + ", " + f[4]
                + " elements): " + f[5] + " wrong, the first at element " + f[6] + ": " + f[7] + " instead of " + f[8]);
            case "done" ->
            {
                done[rank] = Long.parseLong(f[1]);
                wrongElements += Long.parseLong(f[2]);
                wrongCollectives += Long.parseLong(f[3]);
                if (rank == 0)
                {
                    bytes = Long.parseLong(f[4]);
                    elapsedNs = Long.parseLong(f[5]);
                }
                endRss[rank] = Long.parseLong(f[6]);
                endDirect[rank] = Long.parseLong(f[7]);
            }
            default -> out.println("# worker " + rank + ": unknown result line: " + line);
        }
    }

    /** Reads the aggregators' memory once the workers are done, before the daemons are stopped. */
    synchronized void aggregatorsAtEnd()
    {
        for (int a = 0; a < aggregatorPids.size(); a++)
        {
            aggregatorEndRss[a] = ProcessMemory.rssBytes(aggregatorPids.get(a));
        }
    }

    /**
     * @param collectives K, as asked.
     * @param growthBound most bytes a process's resident memory may grow.
     * @return the summary line and what fails the soak.
     */
    synchronized Verdict verdict(final long collectives, final long growthBound)
    {
        final List<String> problems = new ArrayList<>();
        final long completed = Arrays.stream(done).min().orElse(0);
        if (wrongElements > 0)
        {
            problems.add(wrongElements + " wrong elements in " + wrongCollectives + " collectives");
        }
        if (completed < collectives)
        {
            problems.add("only " + completed + " of " + collectives + " collectives completed on every worker");
        }
        growth("worker", markRss, endRss, growthBound, problems);
        growth("aggregator", aggregatorMarkRss, aggregatorEndRss, growthBound, problems);
        final double seconds = elapsedNs / 1e9;
        final String line = String.format(Locale.ROOT, "soak: %d collectives, %d wrong elements, %d wrong collectives, %.2f GB per worker in %.1f s;"
            + " worker RSS %s MiB, direct %s MiB%s (after warm-up -> end)", completed, wrongElements, wrongCollectives, bytes / 1e9, seconds,
            range(markRss, endRss), range(markDirect, endDirect),
            aggregatorPids.isEmpty() ? "" : "; aggregator RSS " + range(aggregatorMarkRss, aggregatorEndRss) + " MiB");
        return new Verdict(line, problems);
    }

    private static void growth(final String role, final long[] mark, final long[] end, final long bound, final List<String> problems)
    {
        for (int i = 0; i < mark.length; i++)
        {
            if (mark[i] >= 0 && end[i] >= 0 && end[i] - mark[i] > bound)
            {
                problems.add(role + " " + i + " grew from " + ProcessMemory.mib(mark[i]) + " to " + ProcessMemory.mib(end[i])
                    + " MiB resident, more than the bound of " + ProcessMemory.mib(bound) + " MiB (--max-growth)");
            }
        }
    }

    /** @return "a -> b" per process, comma-separated. */
    private static String range(final long[] mark, final long[] end)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < mark.length; i++)
        {
            sb.append(i > 0 ? ", " : "").append(ProcessMemory.mib(mark[i])).append(" -> ").append(ProcessMemory.mib(end[i]));
        }
        return sb.toString();
    }

    private static long[] filled(final int length)
    {
        final long[] values = new long[length];
        Arrays.fill(values, -1);
        return values;
    }
}
