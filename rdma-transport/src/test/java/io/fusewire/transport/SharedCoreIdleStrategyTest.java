package io.fusewire.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void nonsenseSettingsAreRefusedSayingWhatIsNeeded()
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> new SharedCoreIdleStrategy(-1, 0, 50_000));
        assertTrue(refused.getMessage().contains("spins >= 0"), refused.getMessage());
    }
}
