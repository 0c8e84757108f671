package io.fusewire.perf.fusion;

import java.util.Arrays;

/**
 * Latencies of one mode, sorted: percentiles and the points of the distribution function.
 *
 * @param micros every query's latency, sorted ascending.
 */
record LatencyStats(long[] micros)
{
    static LatencyStats of(final long[] micros)
    {
        final long[] sorted = micros.clone();
        Arrays.sort(sorted);
        return new LatencyStats(sorted);
    }

    /** @return the latency below which {@code fraction} of the queries fall (nearest rank). */
    long percentile(final double fraction)
    {
        if (micros.length == 0)
        {
            return 0;
        }
        final int index = (int)Math.ceil(fraction * micros.length) - 1;
        return micros[Math.max(0, Math.min(micros.length - 1, index))];
    }

    /** @return the latency at each of {@code points} evenly spaced fractions, for a CDF. */
    double[] cdf(final double[] fractions)
    {
        final double[] values = new double[fractions.length];
        for (int i = 0; i < fractions.length; i++)
        {
            values[i] = Math.max(1, percentile(fractions[i]));
        }
        return values;
    }
}
