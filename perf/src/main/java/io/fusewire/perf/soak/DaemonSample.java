package io.fusewire.perf.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What a daemon process holds, read from /proc: open file descriptors, threads and resident memory.
 *
 * @param fds     open descriptors.
 * @param threads threads.
 * @param rss     resident set, bytes ({@link ProcessMemory#UNKNOWN} if unreadable).
 */
record DaemonSample(long fds, long threads, long rss)
{
    /** @return the process's sample now. */
    static DaemonSample of(final long pid)
    {
        final Path proc = Path.of("/proc", Long.toString(pid));
        long fds = ProcessMemory.UNKNOWN;
        long threads = ProcessMemory.UNKNOWN;
        try (Stream<Path> open = Files.list(proc.resolve("fd")))
        {
            fds = open.count();
            for (final String line : Files.readAllLines(proc.resolve("status")))
            {
                if (line.startsWith("Threads:"))
                {
                    threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            // left unknown: the verdict says so
        }
        return new DaemonSample(fds, threads, ProcessMemory.rssBytes(pid));
    }

    /** @return one line: descriptors, threads, RSS in MiB. */
    String describe()
    {
        return fds + " fds, " + threads + " threads, RSS " + ProcessMemory.mib(rss) + " MiB";
    }
}
