package io.fusewire.perf.soak;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The values a soak reduces and the results it expects. Element i of rank r in collective k is a
 * small integer mixed from (k, r, i), so a result from an earlier collective, another rank's
 * contribution alone or a half-written chunk differs from the expected one almost everywhere.
 * Values stay small enough that every partial sum is exact in fp32 and in the 16-bit type, so the
 * expected result does not depend on the order of additions; int32 sums wrap, as the kernels do.
 */
final class SoakValues
{
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final int ranks;
    private final int halfRange;

    /**
     * @param ranks workers in the job.
     */
    SoakValues(final int ranks)
    {
        this.ranks = ranks;
        // bf16 holds integers exactly up to 256: keep |sum| <= 240 for the 16-bit types
        this.halfRange = Math.max(1, 240 / ranks);
    }

    /**
     * Writes rank r's contribution to collective k.
     *
     * @param data     the tensor.
     * @param type     its type.
     * @param k        the collective.
     * @param rank     this rank.
     * @param elements how many.
     */
    void fill(final MemorySegment data, final DataType type, final long k, final int rank, final long elements)
    {
        for (long i = 0; i < elements; i++)
        {
            final int v = value(type, k, rank, i);
            switch (type)
            {
                case FLOAT32 -> data.setAtIndex(FLOAT, i, v);
                case INT32 -> data.setAtIndex(INT, i, v);
                case FLOAT16 -> data.setAtIndex(SHORT, i, Float.floatToFloat16(v));
                case BFLOAT16 -> data.setAtIndex(SHORT, i, (short)(Float.floatToRawIntBits(v) >>> 16));
            }
        }
    }

    /**
     * Counts the elements of a result that differ from the expected one.
     *
     * @param data     the result.
     * @param type     its type.
     * @param op       the operator.
     * @param k        the collective.
     * @param elements how many.
     * @param first    receives the index of the first wrong element, its value and the expected one (as ints), if any.
     * @return wrong elements.
     */
    long countWrong(final MemorySegment data, final DataType type, final ReduceOp op, final long k, final long elements,
        final long[] first)
    {
        long wrong = 0;
        for (long i = 0; i < elements; i++)
        {
            int expected = value(type, k, 0, i);
            for (int r = 1; r < ranks; r++)
            {
                final int v = value(type, k, r, i);
                expected = switch (op)
                {
                    case SUM -> expected + v;
                    case MAX -> Math.max(expected, v);
                    case MIN -> Math.min(expected, v);
                };
            }
            final int got = switch (type)
            {
                case FLOAT32 -> exactInt(data.getAtIndex(FLOAT, i));
                case INT32 -> data.getAtIndex(INT, i);
                case FLOAT16 -> exactInt(Float.float16ToFloat(data.getAtIndex(SHORT, i)));
                case BFLOAT16 -> exactInt(Float.intBitsToFloat(data.getAtIndex(SHORT, i) << 16));
            };
            if (got != expected)
            {
                if (wrong == 0)
                {
                    first[0] = i;
                    first[1] = got;
                    first[2] = expected;
                }
                wrong++;
            }
        }
        return wrong;
    }

    /** Rank r's element i of collective k: any int for int32, a small integer for the float types. */
    private int value(final DataType type, final long k, final int rank, final long i)
    {
        long h = (i + 1) * 0x9E3779B97F4A7C15L ^ (k + 1) * 0xBF58476D1CE4E5B9L ^ (rank + 1) * 0x94D049BB133111EBL;
        h ^= h >>> 31;
        h *= 0xD6E8FEB86659FD93L;
        h ^= h >>> 32;
        return switch (type)
        {
            case INT32 -> (int)h;
            case FLOAT32 -> (int)Math.floorMod(h, 2001) - 1000;
            case FLOAT16, BFLOAT16 -> (int)Math.floorMod(h, 2 * halfRange + 1) - halfRange;
        };
    }

    /** @return the value if it is a whole number, else a sentinel no expected value takes. */
    private static int exactInt(final float value)
    {
        return value == (int)value ? (int)value : Integer.MIN_VALUE;
    }
}
