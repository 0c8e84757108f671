package io.fusewire.fusion.reduce;

import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * fp32 with the Vector API over memory segments: plain segment loops are not auto-vectorised and
 * run about 3x slower. The sum has its own loops, one per arity (acc += src, and acc = a + b for the
 * first two contributions, saving the copy of the first); max and min share one.
 */
final class Float32Reducer implements Reducer
{
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    private final ReduceOp op;

    Float32Reducer(final ReduceOp op)
    {
        this.op = op;
    }

    @Override
    public void accumulate(final MemorySegment acc, final MemorySegment src, final long srcOffset, final int elements,
        final boolean first)
    {
        if (first)
        {
            MemorySegment.copy(src, srcOffset, acc, 0, (long)elements * Float.BYTES);
        }
        else if (op == ReduceOp.SUM)
        {
            sum(acc, src, srcOffset, elements);
        }
        else
        {
            extreme(acc, src, srcOffset, elements, op == ReduceOp.MAX ? VectorOperators.MAX : VectorOperators.MIN);
        }
    }

    @Override
    public void combine(final MemorySegment acc, final MemorySegment src, final long firstOffset, final long secondOffset,
        final int elements)
    {
        if (op != ReduceOp.SUM)
        {
            Reducer.super.combine(acc, src, firstOffset, secondOffset, elements);
            return;
        }
        final int step = SPECIES.length();
        final int bound = SPECIES.loopBound(elements);
        int i = 0;
        for (; i < bound; i += step)
        {
            final long at = (long)i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, src, firstOffset + at, ORDER)
                .add(FloatVector.fromMemorySegment(SPECIES, src, secondOffset + at, ORDER))
                .intoMemorySegment(acc, at, ORDER);
        }
        for (; i < elements; i++)
        {
            final long at = (long)i * Float.BYTES;
            acc.set(FLOAT, at, src.get(FLOAT, firstOffset + at) + src.get(FLOAT, secondOffset + at));
        }
    }

    @Override
    public MemorySegment finish(final MemorySegment acc, final MemorySegment out, final int elements)
    {
        return acc;
    }

    static void sum(final MemorySegment acc, final MemorySegment src, final long srcOffset, final int elements)
    {
        final int step = SPECIES.length();
        final int bound = SPECIES.loopBound(elements);
        int i = 0;
        for (; i < bound; i += step)
        {
            final long at = (long)i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, acc, at, ORDER)
                .add(FloatVector.fromMemorySegment(SPECIES, src, srcOffset + at, ORDER))
                .intoMemorySegment(acc, at, ORDER);
        }
        for (; i < elements; i++)
        {
            final long at = (long)i * Float.BYTES;
            acc.set(FLOAT, at, acc.get(FLOAT, at) + src.get(FLOAT, srcOffset + at));
        }
    }

    private static void extreme(final MemorySegment acc, final MemorySegment src, final long srcOffset, final int elements,
        final VectorOperators.Binary operator)
    {
        final int step = SPECIES.length();
        final int bound = SPECIES.loopBound(elements);
        final boolean max = operator == VectorOperators.MAX;
        int i = 0;
        for (; i < bound; i += step)
        {
            final long at = (long)i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, acc, at, ORDER)
                .lanewise(operator, FloatVector.fromMemorySegment(SPECIES, src, srcOffset + at, ORDER))
                .intoMemorySegment(acc, at, ORDER);
        }
        for (; i < elements; i++)
        {
            final long at = (long)i * Float.BYTES;
            final float a = acc.get(FLOAT, at);
            final float b = src.get(FLOAT, srcOffset + at);
            acc.set(FLOAT, at, max ? Math.max(a, b) : Math.min(a, b));
        }
    }
}
