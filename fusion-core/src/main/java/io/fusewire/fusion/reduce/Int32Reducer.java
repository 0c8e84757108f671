package io.fusewire.fusion.reduce;

import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** int32 with the Vector API; sums wrap around. */
final class Int32Reducer implements Reducer
{
    private static final VectorSpecies<Integer> SPECIES = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ORDER);

    private final ReduceOp op;
    private final VectorOperators.Binary operator;

    Int32Reducer(final ReduceOp op)
    {
        this.op = op;
        this.operator = switch (op)
        {
            case SUM -> VectorOperators.ADD;
            case MAX -> VectorOperators.MAX;
            case MIN -> VectorOperators.MIN;
        };
    }

    @Override
    public void accumulate(final MemorySegment acc, final MemorySegment src, final long srcOffset, final int elements,
        final boolean first)
    {
        if (first)
        {
            MemorySegment.copy(src, srcOffset, acc, 0, (long)elements * Integer.BYTES);
            return;
        }
        final int step = SPECIES.length();
        final int bound = SPECIES.loopBound(elements);
        int i = 0;
        for (; i < bound; i += step)
        {
            final long at = (long)i * Integer.BYTES;
            IntVector.fromMemorySegment(SPECIES, acc, at, ORDER)
                .lanewise(operator, IntVector.fromMemorySegment(SPECIES, src, srcOffset + at, ORDER))
                .intoMemorySegment(acc, at, ORDER);
        }
        for (; i < elements; i++)
        {
            final long at = (long)i * Integer.BYTES;
            final int a = acc.get(INT, at);
            final int b = src.get(INT, srcOffset + at);
            acc.set(INT, at, switch (op)
            {
                case SUM -> a + b;
                case MAX -> Math.max(a, b);
                case MIN -> Math.min(a, b);
            });
        }
    }

    @Override
    public MemorySegment finish(final MemorySegment acc, final MemorySegment out, final int elements)
    {
        return acc;
    }
}
