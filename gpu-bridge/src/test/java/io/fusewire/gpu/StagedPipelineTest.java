package io.fusewire.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's slot logic over host memory: a "device" tensor in plain memory, copies that
 * finish some polls after they were queued, and reductions that finish on another thread.
 */
class StagedPipelineTest
{
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long STALL_NS = TimeUnit.SECONDS.toNanos(10);

    /** Copies between a host "tensor" and the slots that complete a random number of polls after they were queued. */
    private static final class HostStaging implements StagedPipeline.Staging
    {
        private final MemorySegment tensor;
        private final MemorySegment slots;
        private final long slotBytes;
        private final Random random = new Random(7);
        private final int[] inPolls;
        private final int[] outPolls;
        /** Per slot: 0 free, 1 copying in, 2 holding a chunk, 3 copying out. */
        private final int[] state;
        private final long[] pendingOffset;
        private final long[] pendingBytes;
        int drained;

        HostStaging(final MemorySegment tensor, final MemorySegment slots, final int count, final long slotBytes)
        {
            this.tensor = tensor;
            this.slots = slots;
            this.slotBytes = slotBytes;
            inPolls = new int[count];
            outPolls = new int[count];
            state = new int[count];
            pendingOffset = new long[count];
            pendingBytes = new long[count];
        }

        @Override
        public void copyIn(final int slot, final long offset, final long bytes)
        {
            assertEquals(0, state[slot], "slot " + slot + " copied into while in use");
            state[slot] = 1;
            MemorySegment.copy(tensor, offset, slots, slot * slotBytes, bytes);
            inPolls[slot] = random.nextInt(4);
        }

        @Override
        public boolean copiedIn(final int slot)
        {
            assertEquals(1, state[slot]);
            if (inPolls[slot]-- > 0)
            {
                return false;
            }
            state[slot] = 2;
            return true;
        }

        @Override
        public void copyOut(final int slot, final long offset, final long bytes)
        {
            assertEquals(2, state[slot], "slot " + slot + " copied out before it held a reduced chunk");
            state[slot] = 3;
            pendingOffset[slot] = offset;
            pendingBytes[slot] = bytes;
            outPolls[slot] = random.nextInt(4);
        }

        @Override
        public boolean copiedOut(final int slot)
        {
            assertEquals(3, state[slot]);
            if (outPolls[slot]-- > 0)
            {
                return false;
            }
            MemorySegment.copy(slots, slot * slotBytes, tensor, pendingOffset[slot], pendingBytes[slot]);
            state[slot] = 0;
            return true;
        }

        @Override
        public void drain()
        {
            drained++;
        }
    }

    /** Doubles every float of a slot and adds one, on another thread, some time later. */
    private static final class AsyncReduction implements StagedPipeline.SlotReduction
    {
        private final MemorySegment slots;
        private final long slotBytes;
        private final CompletableFuture<?>[] running;
        final List<Integer> started = new ArrayList<>();

        AsyncReduction(final MemorySegment slots, final int count, final long slotBytes)
        {
            this.slots = slots;
            this.slotBytes = slotBytes;
            running = new CompletableFuture<?>[count];
        }

        @Override
        public void start(final int slot, final long bytes)
        {
            started.add(slot);
            final MemorySegment chunk = slots.asSlice(slot * slotBytes, bytes);
            running[slot] = CompletableFuture.runAsync(() ->
            {
                for (long i = 0; i < bytes / 4; i++)
                {
                    chunk.setAtIndex(FLOAT, i, chunk.getAtIndex(FLOAT, i) * 2 + 1);
                }
            }, CompletableFuture.delayedExecutor(slot % 3, TimeUnit.MILLISECONDS));
        }

        @Override
        public boolean done(final int slot)
        {
            if (running[slot].isCompletedExceptionally())
            {
                throw new IllegalStateException("slot " + slot + " failed");
            }
            return running[slot].isDone();
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 64, 4096", "2, 64, 4100", "4, 256, 65536", "8, 1024, 40964", "8, 1024, 512", "3, 8, 4"})
    void everyChunkIsReducedOnceAndCopiedBackWhereItCameFrom(final int slots, final int slotBytes, final int bytes)
    {
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment tensor = arena.allocate(bytes);
            for (long i = 0; i < bytes / 4; i++)
            {
                tensor.setAtIndex(FLOAT, i, i % 1000);
            }
            final MemorySegment slotMemory = arena.allocate((long)slots * slotBytes);
            final HostStaging staging = new HostStaging(tensor, slotMemory, slots, slotBytes);
            final AsyncReduction reduction = new AsyncReduction(slotMemory, slots, slotBytes);
            final StagedPipeline pipeline = new StagedPipeline(slots, slotBytes, new BackoffIdleStrategy());

            pipeline.run(bytes, staging, reduction, STALL_NS);

            for (long i = 0; i < bytes / 4; i++)
            {
                assertEquals((i % 1000) * 2 + 1, tensor.getAtIndex(FLOAT, i), "element " + i);
            }
            final int chunks = (bytes + slotBytes - 1) / slotBytes;
            assertEquals(chunks, reduction.started.size());
            for (int k = 0; k < chunks; k++)
            {
                assertEquals(k % slots, reduction.started.get(k), "chunk " + k + "'s reduction started out of order");
            }
            final StagedPipeline.Timeline timeline = pipeline.timeline();
            assertTrue(timeline.totalNs() >= timeline.headNs() + timeline.tailNs() && timeline.headNs() > 0);
        }
    }

    @Test
    void aFailedReductionEndsTheRunSayingWhyAfterTheCopiesDrain()
    {
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment tensor = arena.allocate(4096);
            final MemorySegment slotMemory = arena.allocate(4 * 256);
            final HostStaging staging = new HostStaging(tensor, slotMemory, 4, 256);
            final StagedPipeline.SlotReduction failing = finishing(slot ->
            {
                throw new IllegalStateException("aggregator 0 gone");
            });
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> new StagedPipeline(4, 256, new BackoffIdleStrategy()).run(4096, staging, failing, STALL_NS));
            assertEquals("aggregator 0 gone", ex.getMessage());
            assertEquals(1, staging.drained);
        }
    }

    @Test
    void aReductionThatNeverEndsIsBoundedAndNamed()
    {
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment tensor = arena.allocate(4096);
            final MemorySegment slotMemory = arena.allocate(2 * 512);
            final HostStaging staging = new HostStaging(tensor, slotMemory, 2, 512);
            final StagedPipeline.SlotReduction stuck = finishing(slot -> false);
            final long startNs = System.nanoTime();
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> new StagedPipeline(2, 512, new BackoffIdleStrategy()).run(4096, staging, stuck, TimeUnit.MILLISECONDS.toNanos(200)));
            assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(5));
            assertEquals("staged pipeline: nothing moved for 200 ms with 8 of 8 chunks in flight (0 copying in, 2 reducing, 0 copying out)",
                ex.getMessage());
            assertEquals(1, staging.drained);
        }
    }

    /** A reduction that starts nothing and is done when {@code done} says so. */
    private static StagedPipeline.SlotReduction finishing(final IntPredicate done)
    {
        return new StagedPipeline.SlotReduction()
        {
            @Override
            public void start(final int slot, final long bytes)
            {
            }

            @Override
            public boolean done(final int slot)
            {
                return done.test(slot);
            }
        };
    }

    @Test
    void slotsMustHoldWholeElements()
    {
        assertThrows(IllegalArgumentException.class, () -> new StagedPipeline(0, 1024, new BackoffIdleStrategy()));
        assertThrows(IllegalArgumentException.class, () -> new StagedPipeline(4, 1020, new BackoffIdleStrategy()));
    }
}
