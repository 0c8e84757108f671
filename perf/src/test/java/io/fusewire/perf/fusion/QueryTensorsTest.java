package io.fusewire.perf.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryTensorsTest
{
    @Test
    void aBufferIsReusedOnlyOnceGivenBackAndComesZeroed()
    {
        try (QueryTensors pool = new QueryTensors())
        {
            final MemorySegment first = pool.take(64);
            first.set(ValueLayout.JAVA_INT, 8, 7);
            final MemorySegment second = pool.take(64);
            assertNotEquals(first.address(), second.address(), "a buffer in use is not handed out again");
            assertEquals(2, pool.allocated());
            pool.give(first);
            final MemorySegment third = pool.take(64);
            assertEquals(first.address(), third.address(), "a buffer given back is used again");
            assertEquals(0, third.get(ValueLayout.JAVA_INT, 8), "a reused buffer is zeroed");
            assertEquals(2, pool.allocated(), "nothing allocated while a buffer of the size is free");
        }
    }

    @Test
    void eachSizeHasBuffersOfItsOwnAndABacklogGrowsThePoolOnce()
    {
        try (QueryTensors pool = new QueryTensors())
        {
            final MemorySegment small = pool.take(16);
            pool.give(small);
            assertEquals(4096, pool.take(4096).byteSize(), "a free buffer of another size is not used");
            assertEquals(2, pool.allocated());
            final List<MemorySegment> backlog = new ArrayList<>();
            for (int i = 0; i < 3000; i++)
            {
                backlog.add(pool.take(16));
            }
            backlog.forEach(pool::give);
            for (int i = 0; i < 3000; i++)
            {
                assertEquals(16, pool.take(16).byteSize());
            }
            assertEquals(3001, pool.allocated(), "a second backlog as deep as the first allocates nothing");
        }
    }

    @Test
    void reservingAllocatesAheadOnlyWhatIsNotFreeAlready()
    {
        try (QueryTensors pool = new QueryTensors())
        {
            final MemorySegment held = pool.take(32);
            pool.give(pool.take(32));
            pool.reserve(32, 100);
            assertEquals(101, pool.allocated(), "one was free already, one is held: 99 more make 100 free");
            for (int i = 0; i < 100; i++)
            {
                pool.take(32);
            }
            assertEquals(101, pool.allocated(), "the reserved ones are taken without allocating");
            pool.give(held);
            pool.reserve(32, 1);
            assertEquals(101, pool.allocated(), "enough are free");
        }
    }
}
