package io.fusewire.fusion.reduce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reduce kernels against scalar arithmetic, including the tails the vector loops leave. */
final class ReducersTest
{
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8, 17, 1000, 4099})
    void float32SumMaxMinMatchScalarArithmetic(final int elements)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment a = arena.allocate(4L * elements);
            final MemorySegment b = arena.allocate(4L * elements + 12);
            for (final ReduceOp op : ReduceOp.values())
            {
                for (int i = 0; i < elements; i++)
                {
                    a.setAtIndex(FLOAT, i, i * 0.5f - 7);
                    b.set(FLOAT, 12 + 4L * i, 3 - i * 0.25f);
                }
                final MemorySegment acc = arena.allocate(4L * elements);
                final Reducer reducer = Reducers.of(DataType.FLOAT32, op);
                reducer.accumulate(acc, a, 0, elements, true);
                reducer.accumulate(acc, b, 12, elements, false);
                for (int i = 0; i < elements; i++)
                {
                    final float x = i * 0.5f - 7;
                    final float y = 3 - i * 0.25f;
                    final float expected = switch (op)
                    {
                        case SUM -> x + y;
                        case MAX -> Math.max(x, y);
                        case MIN -> Math.min(x, y);
                    };
                    assertEquals(expected, acc.getAtIndex(FLOAT, i), op + " at " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 9, 1000, 4099})
    void combiningTheFirstTwoContributionsEqualsAccumulatingThem(final int elements)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment src = arena.allocate(8L * elements + 16);
            for (int i = 0; i < 2 * elements + 4; i++)
            {
                src.setAtIndex(FLOAT, i, i * 0.37f - 11);
            }
            for (final DataType type : new DataType[] {DataType.FLOAT32, DataType.INT32})
            {
                for (final ReduceOp op : ReduceOp.values())
                {
                    final Reducer reducer = Reducers.of(type, op);
                    final MemorySegment once = arena.allocate(4L * elements);
                    final MemorySegment twice = arena.allocate(4L * elements);
                    reducer.combine(once, src, 4, 4L * elements + 8, elements);
                    reducer.accumulate(twice, src, 4, elements, true);
                    reducer.accumulate(twice, src, 4L * elements + 8, elements, false);
                    assertEquals(-1, once.mismatch(twice), type + " " + op + ": the same bits either way");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 33, 1000})
    void bfloat16VectorLoopsMatchScalarWidening(final int elements)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment a = arena.allocate(2L * elements + 2);
            final MemorySegment b = arena.allocate(2L * elements + 2);
            for (int i = 0; i < elements; i++)
            {
                a.set(SHORT, 2 + 2L * i, (short)(Float.floatToRawIntBits(i * 0.75f - 9) >>> 16));
                b.set(SHORT, 2 + 2L * i, (short)(Float.floatToRawIntBits(3.5f - i * 0.25f) >>> 16));
            }
            for (final ReduceOp op : ReduceOp.values())
            {
                final MemorySegment acc = arena.allocate(4L * elements);
                final Reducer reducer = Reducers.of(DataType.BFLOAT16, op);
                reducer.accumulate(acc, a, 2, elements, true);
                reducer.accumulate(acc, b, 2, elements, false);
                for (int i = 0; i < elements; i++)
                {
                    final float x = Float.intBitsToFloat(a.get(SHORT, 2 + 2L * i) << 16);
                    final float y = Float.intBitsToFloat(b.get(SHORT, 2 + 2L * i) << 16);
                    final float expected = switch (op)
                    {
                        case SUM -> x + y;
                        case MAX -> Math.max(x, y);
                        case MIN -> Math.min(x, y);
                    };
                    assertEquals(expected, acc.getAtIndex(FLOAT, i), op + " at " + i + " of " + elements);
                }
            }
        }
    }

    @Test
    void int32SumsWrapAround()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int elements = 19;
            final MemorySegment acc = arena.allocate(4L * elements);
            final MemorySegment src = arena.allocate(4L * elements);
            for (int i = 0; i < elements; i++)
            {
                acc.setAtIndex(INT, i, Integer.MAX_VALUE - i);
                src.setAtIndex(INT, i, 10);
            }
            Reducers.of(DataType.INT32, ReduceOp.SUM).accumulate(acc, src, 0, elements, false);
            for (int i = 0; i < elements; i++)
            {
                assertEquals(Integer.MAX_VALUE - i + 10, acc.getAtIndex(INT, i));
            }
        }
    }

    @Test
    void halfFloatsSumInFloat32AndRoundOnceToNearestEven()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment src = arena.allocate(2 * 3);
            final MemorySegment acc = arena.allocate(4 * 3);
            final MemorySegment out = arena.allocate(2 * 3);
            final Reducer bf16 = Reducers.of(DataType.BFLOAT16, ReduceOp.SUM);
            // 256 + 1 + 1: each 1 alone rounds away in bf16 (8 significant bits); summed in fp32 they survive as 258
            src.setAtIndex(SHORT, 0, bfloat16(256));
            bf16.accumulate(acc, src, 0, 1, true);
            src.setAtIndex(SHORT, 0, bfloat16(1));
            bf16.accumulate(acc, src, 0, 1, false);
            bf16.accumulate(acc, src, 0, 1, false);
            assertEquals(out, bf16.finish(acc, out, 1), "16-bit results come out narrowed");
            assertEquals(258f, Float.intBitsToFloat(out.getAtIndex(SHORT, 0) << 16));
            assertEquals((short)0x3F80, HalfFloatReducer.toBfloat16(1.0f));
            assertEquals((short)0x3F80, HalfFloatReducer.toBfloat16(Float.intBitsToFloat(0x3F808000)), "tie to even, down");
            assertEquals((short)0x3F82, HalfFloatReducer.toBfloat16(Float.intBitsToFloat(0x3F818000)), "tie to even, up");
            assertEquals(true, Float.isNaN(Float.intBitsToFloat(HalfFloatReducer.toBfloat16(Float.NaN) << 16)));

            final Reducer fp16 = Reducers.of(DataType.FLOAT16, ReduceOp.MAX);
            src.setAtIndex(SHORT, 0, Float.floatToFloat16(-2.5f));
            src.setAtIndex(SHORT, 1, Float.floatToFloat16(7f));
            fp16.accumulate(acc, src, 0, 2, true);
            src.setAtIndex(SHORT, 0, Float.floatToFloat16(1f));
            src.setAtIndex(SHORT, 1, Float.floatToFloat16(-7f));
            fp16.accumulate(acc, src, 0, 2, false);
            fp16.finish(acc, out, 2);
            assertEquals(1f, Float.float16ToFloat(out.getAtIndex(SHORT, 0)));
            assertEquals(7f, Float.float16ToFloat(out.getAtIndex(SHORT, 1)));
        }
    }

    private static short bfloat16(final float value)
    {
        return (short)(Float.floatToRawIntBits(value) >>> 16);
    }
}
