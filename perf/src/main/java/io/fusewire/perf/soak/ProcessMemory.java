package io.fusewire.perf.soak;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a process holds in memory: its resident set size, and for this JVM the live heap (after a collection) and the direct buffers. */
public final class ProcessMemory
{
    /** A size that could not be read. */
    public static final long UNKNOWN = Long.MIN_VALUE;

    private ProcessMemory()
    {
    }

    /**
     * @param pid a process on this host.
     * @return its resident set size in bytes (VmRSS of /proc/PID/status), or {@link #UNKNOWN}.
     */
    public static long rssBytes(final long pid)
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
            return UNKNOWN;
        }
        return UNKNOWN;
    }

    /** @return bytes of the Java heap still reachable after a full collection (this JVM). */
    static long liveHeapBytes()
    {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
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
        return bytes == UNKNOWN ? "?" : String.format(java.util.Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
