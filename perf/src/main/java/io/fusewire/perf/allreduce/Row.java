package io.fusewire.perf.allreduce;

import java.util.Locale;

/**
 * One line of an AllReduce sweep, with nccl-tests' columns: algbw = bytes / time, busbw = algbw x
 * 2(N-1)/N (GB = 1e9 bytes), so that busbw compares with the hardware's bandwidth whatever N.
 *
 * @param bytes   the size.
 * @param count   elements.
 * @param type    nccl-tests' type name.
 * @param redop   the operator, lower case.
 * @param timeUs  mean time of one collective, the slowest rank's.
 * @param workers N.
 * @param wrong   elements that differ from the reference sum, over all ranks (-1 if not checked).
 */
public record Row(long bytes, long count, String type, String redop, double timeUs, int workers, long wrong)
{
    /** The two header lines. */
    public static final String HEADER = String.format(Locale.ROOT, "#%11s %12s %9s %6s %11s %9s %9s %7s%n#%11s %12s %9s %6s %11s %9s %9s %7s",
        "size", "count", "type", "redop", "time", "algbw", "busbw", "#wrong", "(B)", "(elements)", "", "", "(us)", "(GB/s)", "(GB/s)", "");

    /** @return bytes per second over 1e9. */
    public double algbw()
    {
        return bytes / timeUs / 1e3;
    }

    /** @return algbw x 2(N-1)/N. */
    public double busbw()
    {
        return workers > 1 ? algbw() * 2 * (workers - 1) / workers : algbw();
    }

    /** @return the line, aligned under {@link #HEADER}. */
    public String format()
    {
        return String.format(Locale.ROOT, " %11d %12d %9s %6s %11.1f %9.2f %9.2f %7s", bytes, count, type, redop, timeUs, algbw(),
            busbw(), wrong < 0 ? "N/A" : Long.toString(wrong));
    }

    /** @return the row as a JSON object. */
    public String json()
    {
        return String.format(Locale.ROOT, "{\"size\":%d,\"count\":%d,\"type\":\"%s\",\"redop\":\"%s\",\"time_us\":%.3f,"
            + "\"algbw_gbps\":%.4f,\"busbw_gbps\":%.4f,\"workers\":%d,\"wrong\":%d}", bytes, count, type, redop, timeUs, algbw(),
            busbw(), workers, wrong);
    }
}
