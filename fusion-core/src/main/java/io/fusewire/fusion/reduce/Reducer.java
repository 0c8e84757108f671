package io.fusewire.fusion.reduce;

import java.lang.foreign.MemorySegment;

/**
 * Folds chunks into a 32-bit accumulator, one contribution at a time in a fixed order, and turns
 * the accumulator into the result. The accumulator holds fp32 for float types (16-bit inputs are
 * widened) and int32 for int32, so it takes 4 bytes per element. Implementations are stateless.
 */
public interface Reducer
{
    /**
     * acc = src (widened) when {@code first}, else acc = acc op src.
     *
     * @param acc       the accumulator, 4 bytes per element.
     * @param src       a contribution, in the input type.
     * @param srcOffset where it starts.
     * @param elements  how many elements.
     * @param first     true for the first contribution of a use of a slot.
     */
    void accumulate(MemorySegment acc, MemorySegment src, long srcOffset, int elements, boolean first);

    /**
     * acc = first op second, for the first two contributions of a use of a slot. The same result as
     * accumulating them one after the other; a reducer that can do it in one pass over the data
     * (fp32 sum) overrides it.
     *
     * @param acc          the accumulator, 4 bytes per element.
     * @param src          where both contributions are, in the input type.
     * @param firstOffset  the first contribution (rank 0's).
     * @param secondOffset the second (rank 1's).
     * @param elements     how many elements.
     */
    default void combine(final MemorySegment acc, final MemorySegment src, final long firstOffset, final long secondOffset,
        final int elements)
    {
        accumulate(acc, src, firstOffset, elements, true);
        accumulate(acc, src, secondOffset, elements, false);
    }

    /**
     * Makes the result of a finished accumulator.
     *
     * @param acc      the accumulator.
     * @param out      room for the result in the input type, when it differs from the accumulator's.
     * @param elements how many elements.
     * @return the segment that holds the result: {@code acc} for 32-bit types, else {@code out}.
     */
    MemorySegment finish(MemorySegment acc, MemorySegment out, int elements);
}
