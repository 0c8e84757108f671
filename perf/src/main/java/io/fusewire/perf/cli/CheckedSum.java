package io.fusewire.perf.cli;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The values a harness worker contributes to a checked fp32 SUM and the check of the result:
 * small integers, so that every sum is exact in fp32 whatever the order of the additions.
 */
public final class CheckedSum
{
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private CheckedSum()
    {
    }

    /**
     * @param data  the tensor.
     * @param count its floats.
     * @param rank  the contributing worker's rank in the whole job.
     */
    public static void fill(final MemorySegment data, final long count, final int rank)
    {
        for (long i = 0; i < count; i++)
        {
            data.setAtIndex(FLOAT, i, value(i, rank));
        }
    }

    /**
     * @param data    the result.
     * @param count   its floats.
     * @param workers how many contributed (ranks 0..workers-1).
     * @return the elements that differ from the exact sum.
     */
    public static long countWrong(final MemorySegment data, final long count, final int workers)
    {
        long wrong = 0;
        for (long i = 0; i < count; i++)
        {
            float expected = 0;
            for (int r = 0; r < workers; r++)
            {
                expected += value(i, r);
            }
            if (data.getAtIndex(FLOAT, i) != expected)
            {
                wrong++;
            }
        }
        return wrong;
    }

    private static float value(final long index, final int rank)
    {
        return (index % 97) + rank;
    }
}
