package io.fusewire.perf.cli;

import java.util.ArrayList;
import java.util.List;

/** The sizes of a sweep, nccl-tests style: from -b to -e, times -f each step. */
public final class Sizes
{
    private Sizes()
    {
    }

    /**
     * @param min    smallest, bytes.
     * @param max    largest, bytes.
     * @param factor step.
     * @return the sizes.
     * @throws IllegalArgumentException if they make no sweep.
     */
    public static long[] sweep(final long min, final long max, final int factor)
    {
        if (min <= 0 || max < min || factor < 2)
        {
            throw new IllegalArgumentException("a sweep needs 0 < -b <= -e and -f >= 2; got -b " + min + " -e " + max + " -f " + factor);
        }
        final List<Long> sizes = new ArrayList<>();
        for (long size = min; size <= max; size *= factor)
        {
            sizes.add(size);
        }
        return sizes.stream().mapToLong(Long::longValue).toArray();
    }
}
