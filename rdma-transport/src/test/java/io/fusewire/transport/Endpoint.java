package io.fusewire.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** One side of a test: a device, its queue, one exposed region, and what its queue reported. */
final class Endpoint implements AutoCloseable
{
    final Device device;
    final CompletionQueue queue;
    final MemoryRegion region;
    final List<Seen> seen = new ArrayList<>();
    private final CompletionHandler collect = c -> seen.add(Seen.of(c));

    Endpoint(final Fabric fabric, final long regionLength)
    {
        device = fabric.openDefaultDevice();
        queue = device.createCompletionQueue();
        region = device.allocate(regionLength);
    }

    int poll()
    {
        return queue.poll(collect, 64);
    }

    long count(final Predicate<Seen> which)
    {
        return seen.stream().filter(which).count();
    }

    List<Seen> all(final int opcode)
    {
        return seen.stream().filter(s -> s.opcode() == opcode).toList();
    }

    /** Polls every endpoint until the condition holds; fails after the timeout. */
    static void pollUntil(final Duration timeout, final BooleanSupplier done, final Endpoint... endpoints)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("condition not reached within " + timeout + "; seen: "
                    + java.util.Arrays.stream(endpoints).map(e -> e.seen.size() + " completions, last "
                    + (e.seen.isEmpty() ? "none" : e.seen.getLast())).toList());
            }
            int work = 0;
            for (final Endpoint endpoint : endpoints)
            {
                work += endpoint.poll();
            }
            if (work == 0)
            {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public void close()
    {
        device.close();
    }
}
