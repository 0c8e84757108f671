package io.fusewire.perf.soak;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Gathers the soak workers' result lines (see {@link SoakWorkerCommand}) and the aggregators'
 * memory into the verdict: wrong elements, collectives done, and per process its memory at three
 * points: after the warm-up, half-way and at the end. The processes run with a fixed, pre-touched
 * heap ({@link SoakCommand#JVM_OPTIONS}), so their resident size does not follow a heap growing to
 * its working size; it still grows in the first half as code is compiled and mapped pages are first
 * touched, while a leak goes on growing. So the verdict judges the second half: resident size of
 * every process, and the live heap (after a collection) of the workers.
 */
final class SoakTally
{
    /** The points at which memory is read, in order; also the words of the workers' result lines. */
    static final List<String> POINTS = List.of("warm", "half", "end");
    private static final int HALF = 1;
    private static final int END = 2;

    private final long[][] rss;
    private final long[][] live;
    private final long[][] direct;
    private final long[] done;
    private long[][] aggregatorRss = new long[POINTS.size()][0];
    private List<Long> aggregatorPids = List.of();
    private long wrongElements;
    private long wrongCollectives;
    private long bytes;
    private long elapsedNs;

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
        rss = filled(POINTS.size(), workers);
        live = filled(POINTS.size(), workers);
        direct = filled(POINTS.size(), workers);
        done = new long[workers];
    }

    /** @param pids the aggregator processes, whose memory is read when the first worker reaches each point. */
    synchronized void watchAggregators(final List<Long> pids)
    {
        aggregatorPids = List.copyOf(pids);
        aggregatorRss = filled(POINTS.size(), pids.size());
    }

    /**
     * @param rank the reporting worker.
     * @param line what followed RESULT.
     * @param out  where wrong collectives are described.
     */
    synchronized void accept(final int rank, final String line, final PrintWriter out)
    {
        final String[] f = line.trim().split("\\s+");
        final int point = POINTS.indexOf(f[0]);
        if (point >= 0)
        {
            rss[point][rank] = Long.parseLong(f[1]);
            live[point][rank] = Long.parseLong(f[2]);
            direct[point][rank] = Long.parseLong(f[3]);
            if (point < END)
            {
                readAggregators(point);
            }
        }
        else if ("wrong".equals(f[0]))
        {
            out.println("# worker " + rank + ": collective " + f[1] + " (" + f[2] + " " + f[3] + ", " + f[4] + " elements): " + f[5]
                + " wrong, the first at element " + f[6] + ": " + f[7] + " instead of " + f[8]);
        }
        else if ("done".equals(f[0]))
        {
            done[rank] = Long.parseLong(f[1]);
            wrongElements += Long.parseLong(f[2]);
            wrongCollectives += Long.parseLong(f[3]);
            if (rank == 0)
            {
                bytes = Long.parseLong(f[4]);
                elapsedNs = Long.parseLong(f[5]);
            }
        }
        else
        {
            out.println("# worker " + rank + ": unknown result line: " + line);
        }
    }

    /** Reads the aggregators' memory once the workers are done, before the daemons are stopped. */
    synchronized void aggregatorsAtEnd()
    {
        readAggregators(END);
    }

    /**
     * @param collectives K, as asked.
     * @param growthBound most bytes a process's resident memory may grow over the second half.
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
        growth("worker", "resident memory", rss, growthBound, problems);
        growth("worker", "live heap", live, growthBound, problems);
        growth("aggregator", "resident memory", aggregatorRss, growthBound, problems);
        final String line = String.format(Locale.ROOT, "soak: %d collectives, %d wrong elements, %d wrong collectives, %.2f GB per worker"
            + " in %.1f s; worker RSS %s MiB, live heap %s MiB, direct %s MiB%s (after warm-up / half-way / end)",
            completed, wrongElements, wrongCollectives, bytes / 1e9, elapsedNs / 1e9, points(rss), points(live), points(direct),
            aggregatorPids.isEmpty() ? "" : "; aggregator RSS " + points(aggregatorRss) + " MiB");
        return new Verdict(line, problems);
    }

    private void readAggregators(final int point)
    {
        for (int a = 0; a < aggregatorPids.size(); a++)
        {
            if (aggregatorRss[point][a] == ProcessMemory.UNKNOWN)
            {
                aggregatorRss[point][a] = ProcessMemory.rssBytes(aggregatorPids.get(a));
            }
        }
    }

    private static void growth(final String role, final String what, final long[][] memory, final long bound, final List<String> problems)
    {
        for (int i = 0; i < memory[HALF].length; i++)
        {
            final long half = memory[HALF][i];
            final long end = memory[END][i];
            if (half != ProcessMemory.UNKNOWN && end != ProcessMemory.UNKNOWN && end - half > bound)
            {
                problems.add(role + " " + i + ": " + what + " grew from " + ProcessMemory.mib(half) + " MiB half-way to " + ProcessMemory.mib(end)
                    + " MiB at the end, more than the bound of " + ProcessMemory.mib(bound) + " MiB (--max-growth)");
            }
        }
    }

    /** @return "a / b / c" per process, comma-separated. */
    private static String points(final long[][] memory)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < memory[0].length; i++)
        {
            sb.append(i > 0 ? ", " : "");
            for (int point = 0; point < memory.length; point++)
            {
                sb.append(point > 0 ? " / " : "").append(ProcessMemory.mib(memory[point][i]));
            }
        }
        return sb.toString();
    }

    private static long[][] filled(final int points, final int length)
    {
        final long[][] values = new long[points][length];
        for (final long[] row : values)
        {
            Arrays.fill(row, ProcessMemory.UNKNOWN);
        }
        return values;
    }
}
