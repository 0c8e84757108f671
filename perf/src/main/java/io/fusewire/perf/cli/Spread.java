package io.fusewire.perf.cli;

import java.util.Arrays;

/** Medians and ranges of repeated measurements, as the harness reports them; what was not measured (NaN) is left out. */
public final class Spread
{
    private Spread()
    {
    }

    /** @return the median, or NaN when nothing was measured. */
    public static double median(final double[] values)
    {
        final double[] sorted = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        return sorted.length == 0 ? Double.NaN : sorted.length % 2 == 1 ? sorted[sorted.length / 2]
            : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** @return the least, or NaN when nothing was measured. */
    public static double min(final double[] values)
    {
        return Arrays.stream(values).filter(v -> !Double.isNaN(v)).min().orElse(Double.NaN);
    }

    /** @return the greatest, or NaN when nothing was measured. */
    public static double max(final double[] values)
    {
        return Arrays.stream(values).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
    }
}
