package io.fusewire.perf.fusion;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class WorkloadTest
{
    private static final int IN = 96;
    private static final int OUT = 24;

    /** @return the sum of every rank's partial product for {@code query}, as the AllReduce would return it. */
    private static MemorySegment reduced(final Arena arena, final int workers, final int query)
    {
        final MemorySegment sum = arena.allocate(4L * OUT);
        for (int rank = 0; rank < workers; rank++)
        {
            final Workload.LinearLayer layer = new Workload.LinearLayer(rank, workers, IN, OUT);
            final MemorySegment partial = arena.allocate(layer.bytes(0));
            layer.fill(query, partial);
            for (int i = 0; i < OUT; i++)
            {
                sum.setAtIndex(Workload.FLOAT, i, sum.getAtIndex(Workload.FLOAT, i) + partial.getAtIndex(Workload.FLOAT, i));
            }
        }
        return sum;
    }

    @Test
    void theLinearLayersCheckTakesTheSumOfThePartialsAndRefusesAnythingElse()
    {
        try (Arena arena = Arena.ofConfined())
        {
            for (final int workers : new int[] {1, 2, 3})
            {
                final Workload.LinearLayer checker = new Workload.LinearLayer(0, workers, IN, OUT);
                final MemorySegment right = reduced(arena, workers, 20);
                assertTrue(checker.check(20, right), workers + " workers: the summed partials are W x");
                final MemorySegment partialOnly = arena.allocate(4L * OUT);
                checker.fill(20, partialOnly);
                assertFalse(workers > 1 && checker.check(20, partialOnly), workers + " workers: one rank's partial alone is not W x");
                right.setAtIndex(Workload.FLOAT, OUT - 1, right.getAtIndex(Workload.FLOAT, OUT - 1) + 0.5f);
                assertFalse(checker.check(20, right), workers + " workers: one element off");
                assertFalse(checker.check(30, reduced(arena, workers, 20)), workers + " workers: another query's result");
                assertTrue(checker.check(21, right), "only every tenth query is checked");
            }
        }
    }
}
