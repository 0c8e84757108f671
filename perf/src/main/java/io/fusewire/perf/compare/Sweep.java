package io.fusewire.perf.compare;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.Sizes;
import java.util.ArrayList;
import java.util.List;

/**
 * The sweep every system of a comparison runs: sizes, iterations, checking, time bound.
 *
 * @param minBytes       smallest size.
 * @param maxBytes       largest size.
 * @param factor         size step.
 * @param iterations     timed collectives per size, 0 to pick by size (as Fusewire's workers do).
 * @param timeoutSeconds bound on one system's sweep.
 */
record Sweep(String minBytes, String maxBytes, int factor, int iterations, long timeoutSeconds)
{
    /** @return the sizes in bytes. */
    long[] bytes()
    {
        return Sizes.sweep(ByteSize.parse(minBytes), ByteSize.parse(maxBytes), factor);
    }

    /** @return how many sizes. */
    int sizes()
    {
        return bytes().length;
    }

    /**
     * @param named true for the Python peer's options, false for the MPI program's positional ones.
     * @return the sweep as the peer's arguments, checking every element.
     */
    List<String> arguments(final boolean named)
    {
        final String min = Long.toString(ByteSize.parse(minBytes));
        final String max = Long.toString(ByteSize.parse(maxBytes));
        if (!named)
        {
            return List.of(min, max, Integer.toString(factor), Integer.toString(iterations), "1");
        }
        return new ArrayList<>(List.of("-b", min, "-e", max, "-f", Integer.toString(factor), "--iters", Integer.toString(iterations),
            "--check"));
    }
}
