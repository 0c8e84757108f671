package io.fusewire.perf.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class QueryTensorsTest
{
    @Test
    void aBufferIsReusedOnlyOnceGivenBackAndComesZeroed()
    {
        try (QueryTensors ring = new QueryTensors(2, 64))
        {
            final int first = ring.take(64);
            final MemorySegment data = ring.buffer(first, 64);
            data.set(ValueLayout.JAVA_INT, 8, 7);
            final int second = ring.take(16);
            assertEquals(1, second);
            assertEquals(-1, ring.take(16), "the ring's next buffer is still in use");
            ring.give(first);
            assertEquals(first, ring.take(16));
            assertEquals(0, ring.buffer(first, 16).get(ValueLayout.JAVA_INT, 8), "a reused buffer is zeroed");
            ring.give(second);
            assertEquals(-1, ring.take(65), "larger than a buffer");
            assertEquals(65, ring.fresh(65).byteSize());
        }
    }
}
