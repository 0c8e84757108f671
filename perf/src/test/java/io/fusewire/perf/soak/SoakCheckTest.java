package io.fusewire.perf.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.reduce.Reducers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The soak's plan and checker: the mix it promises, and wrong, stale or half-written results it catches. */
final class SoakCheckTest
{
    private static final int RANKS = 3;
    private static final long ELEMENTS = 5_003;

    @ParameterizedTest
    @EnumSource(DataType.class)
    void aResultReducedByTheKernelsIsRightAndAStaleHalfWrittenOrCorruptOneIsCaught(final DataType type)
    {
        final SoakValues values = new SoakValues(RANKS);
        final long[] first = new long[3];
        try (Arena arena = Arena.ofConfined())
        {
            for (final ReduceOp op : ReduceOp.values())
            {
                final MemorySegment result = reduce(arena, values, type, op, 7);
                assertEquals(0, values.countWrong(result, type, op, 7, ELEMENTS, first), type + " " + op + " as the kernels reduce it");
                final MemorySegment stale = reduce(arena, values, type, op, 6);
                assertTrue(values.countWrong(stale, type, op, 7, ELEMENTS, first) > ELEMENTS / 2, "the previous collective's result");
                final MemorySegment half = reduce(arena, values, type, op, 7);
                MemorySegment.copy(stale, ELEMENTS / 2 * type.bytes(), half, ELEMENTS / 2 * type.bytes(), (ELEMENTS - ELEMENTS / 2) * type.bytes());
                assertTrue(values.countWrong(half, type, op, 7, ELEMENTS, first) > ELEMENTS / 4, "a result whose second half is stale");
            }
            final MemorySegment oneOff = reduce(arena, values, type, ReduceOp.SUM, 7);
            oneOff.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 3 * type.bytes() + type.bytes() - 1,
                (byte)(oneOff.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 3 * type.bytes() + type.bytes() - 1) ^ 0x40));
            assertEquals(1, values.countWrong(oneOff, type, ReduceOp.SUM, 7, ELEMENTS, first), "one element with a flipped bit");
            assertEquals(3, first[0], "the first wrong element is named");
        }
    }

    @Test
    void thePlanDrawsTheSameMixOnEveryRankWithOneElementOddCountsAndBigOnes()
    {
        final SoakPlan plan = new SoakPlan(42, "aggregator", 1 << 20, 100);
        final SoakPlan again = new SoakPlan(42, "aggregator", 1 << 20, 100);
        final Set<DataType> types = new HashSet<>();
        final Set<ReduceOp> ops = new HashSet<>();
        int ones = 0;
        int odd = 0;
        int big = 0;
        for (long k = 0; k < 1000; k++)
        {
            plan.draw(k);
            again.draw(k);
            assertEquals(plan.type, again.type);
            assertEquals(plan.op, again.op);
            assertEquals(plan.elements, again.elements);
            types.add(plan.type);
            ops.add(plan.op);
            ones += plan.elements == 1 ? 1 : 0;
            odd += plan.elements % 2;
            if (plan.elements * plan.type.bytes() > SoakPlan.BIG_BYTES)
            {
                big++;
                assertEquals(0, k % 100, "big collectives only every 100th");
            }
            assertTrue(plan.elements * plan.type.bytes() <= plan.largestBytes());
        }
        assertEquals(Set.of(DataType.values()), types);
        assertEquals(Set.of(ReduceOp.values()), ops);
        assertEquals(10, big);
        assertTrue(ones > 20 && odd > 300, ones + " single elements, " + odd + " odd counts");
        final SoakPlan ring = new SoakPlan(42, "ring", 1 << 20, 0);
        for (long k = 0; k < 200; k++)
        {
            ring.draw(k);
            assertEquals(4, ring.type.bytes(), "the baselines take 32-bit types only");
        }
    }

    /** Reduces the ranks' contributions to collective k with the aggregators' kernels, in rank order. */
    private static MemorySegment reduce(final Arena arena, final SoakValues values, final DataType type, final ReduceOp op, final long k)
    {
        final MemorySegment acc = arena.allocate(ELEMENTS * 4);
        final MemorySegment contribution = arena.allocate(ELEMENTS * type.bytes());
        for (int r = 0; r < RANKS; r++)
        {
            values.fill(contribution, type, k, r, ELEMENTS);
            Reducers.of(type, op).accumulate(acc, contribution, 0, (int)ELEMENTS, r == 0);
        }
        return Reducers.of(type, op).finish(acc, arena.allocate(ELEMENTS * type.bytes()), (int)ELEMENTS);
    }
}
