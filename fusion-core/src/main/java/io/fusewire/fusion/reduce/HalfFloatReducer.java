package io.fusewire.fusion.reduce;

import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * fp16 and bf16: each contribution is widened to fp32 and folded into the fp32 accumulator; the
 * result is rounded back to nearest-even once. bf16 widens on the Vector API (a bf16 is the upper
 * half of an fp32: shift the bits up); fp16 and the final rounding are scalar loops.
 */
final class HalfFloatReducer implements Reducer
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_128;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ReduceOp op;
    private final boolean brain;

    /**
     * @param op    the operator.
     * @param brain true for bf16, false for IEEE fp16.
     */
    HalfFloatReducer(final ReduceOp op, final boolean brain)
    {
        this.op = op;
        this.brain = brain;
    }

    @Override
    public void accumulate(final MemorySegment acc, final MemorySegment src, final long srcOffset, final int elements,
        final boolean first)
    {
        final int done = brain ? accumulateBfloat16(acc, src, srcOffset, elements, first) : 0;
        for (int i = done; i < elements; i++)
        {
            final float value = widen(src.get(SHORT, srcOffset + 2L * i));
            final long at = 4L * i;
            if (first)
            {
                acc.set(FLOAT, at, value);
                continue;
            }
            final float a = acc.get(FLOAT, at);
            acc.set(FLOAT, at, switch (op)
            {
                case SUM -> a + value;
                case MAX -> Math.max(a, value);
                case MIN -> Math.min(a, value);
            });
        }
    }

    @Override
    public MemorySegment finish(final MemorySegment acc, final MemorySegment out, final int elements)
    {
        for (int i = 0; i < elements; i++)
        {
            out.set(SHORT, 2L * i, narrow(acc.get(FLOAT, 4L * i)));
        }
        return out;
    }

    /** @return how many elements it folded: a multiple of the vector length; the caller does the rest. */
    private int accumulateBfloat16(final MemorySegment acc, final MemorySegment src, final long srcOffset, final int elements,
        final boolean first)
    {
        final int step = FLOATS.length();
        final int bound = FLOATS.loopBound(elements);
        for (int i = 0; i < bound; i += step)
        {
            final FloatVector value = ((IntVector)ShortVector.fromMemorySegment(SHORTS, src, srcOffset + 2L * i, ORDER)
                .convertShape(VectorOperators.S2I, INTS, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            final long at = 4L * i;
            if (first)
            {
                value.intoMemorySegment(acc, at, ORDER);
                continue;
            }
            final FloatVector sum = FloatVector.fromMemorySegment(FLOATS, acc, at, ORDER);
            (switch (op)
            {
                case SUM -> sum.add(value);
                case MAX -> sum.max(value);
                case MIN -> sum.min(value);
            }).intoMemorySegment(acc, at, ORDER);
        }
        return bound;
    }

    private float widen(final short bits)
    {
        return brain ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat(bits);
    }

    private short narrow(final float value)
    {
        return brain ? toBfloat16(value) : Float.floatToFloat16(value);
    }

    /**
     * @param value an fp32.
     * @return the nearest bf16, ties to even; NaN stays NaN.
     */
    static short toBfloat16(final float value)
    {
        final int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value))
        {
            return (short)(bits >>> 16 | 0x40);
        }
        return (short)((bits + 0x7FFF + (bits >>> 16 & 1)) >>> 16);
    }
}
