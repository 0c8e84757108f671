package io.fusewire.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.transport.support.TimerSlack;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class SharedCoreIdleStrategyTest
{
    @Test
    void shortIdlenessIsYieldedThroughAndOnlyLongIdlenessParks()
    {
        final SharedCoreIdleStrategy patient = new SharedCoreIdleStrategy(10, 60_000_000_000L, 50_000);
        for (int i = 0; i < 1_000; i++)
        {
            patient.idle(0);
        }
        assertFalse(patient.isParking(), "a thousand idle calls well within the yield window do not park");

        final SharedCoreIdleStrategy eager = new SharedCoreIdleStrategy(10, 0, 50_000);
        for (int i = 0; i < 10; i++)
        {
            eager.idle(0);
            assertFalse(eager.isParking(), "still spinning");
        }
        eager.idle(0);
        assertTrue(eager.isParking(), "past the spins and an empty yield window, it parks");
        eager.idle(1);
        assertFalse(eager.isParking(), "work resets it to spinning");
    }

    @Test
    void aThreadAsksForATightTimerSlackBeforeItsFirstParkOnly() throws InterruptedException
    {
        final AtomicLong spinning = new AtomicLong();
        final AtomicLong parked = new AtomicLong();
        final Thread thread = Thread.ofPlatform().start(() ->
        {
            TimerSlack.set(50_000); // the kernel's default; a new thread inherits its starter's
            final SharedCoreIdleStrategy idle = new SharedCoreIdleStrategy(10, 0, 50_000);
            for (int i = 0; i < 10; i++)
            {
                idle.idle(0);
            }
            spinning.set(TimerSlack.current());
            idle.idle(0);
            parked.set(TimerSlack.current());
        });
        thread.join(10_000);
        assertEquals(50_000, spinning.get(), "a spinning thread keeps its slack");
        assertEquals(1_000, parked.get(), "a park of a few microseconds must not wait the kernel's 50 us slack");
    }

    @Test
    void nonsenseSettingsAreRefusedSayingWhatIsNeeded()
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> new SharedCoreIdleStrategy(-1, 0, 50_000));
        assertTrue(refused.getMessage().contains("spins >= 0"), refused.getMessage());
    }
}
