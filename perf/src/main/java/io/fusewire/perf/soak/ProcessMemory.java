package io.fusewire.perf.soak;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a process holds in memory, as an operator would look at it: resident set size and the JVM's direct buffers. */
final class ProcessMemory
{
    private ProcessMemory()
    {
    }

    /**
     * @param pid a process on this host.
     * @return its resident set size in bytes (VmRSS of /proc/PID/status), or -1 if it cannot be read.
     */
    static long rssBytes(final long pid)
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return -1;
        }
        return -1;
    }

    /** @return bytes of direct buffers this JVM holds now. */
    static long directBytes()
    {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(pool -> "direct".equals(pool.getName())).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** @return bytes as MiB with one decimal, for the summary line. */
    static String mib(final long bytes)
    {
        return bytes < 0 ? "?" : String.format(java.util.Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
