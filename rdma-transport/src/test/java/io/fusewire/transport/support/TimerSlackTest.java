package io.fusewire.transport.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class TimerSlackTest
{
    @Test
    void aThreadTightensItsOwnSlackAndNoOtherThreads() throws InterruptedException
    {
        final long before = TimerSlack.current();
        assertTrue(before > 0, "the kernel tells a thread its slack: " + before);
        final AtomicLong loose = new AtomicLong();
        final AtomicLong tightened = new AtomicLong();
        final Thread thread = Thread.ofPlatform().start(() ->
        {
            TimerSlack.set(50_000);
            loose.set(TimerSlack.current());
            TimerSlack.tighten();
            tightened.set(TimerSlack.current());
        });
        thread.join(10_000);
        assertEquals(50_000, loose.get(), "the kernel's default, set back");
        assertEquals(1_000, tightened.get(), "1 us unless " + TimerSlack.PROP + " says otherwise");
        assertEquals(before, TimerSlack.current(), "the calling thread's own slack is untouched");
    }
}
