package io.fusewire.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class TransportContextTest
{
    @Test
    void theVerbsAckTimeoutIsReadAndAnExponentOutsideOneToThirtyOneIsRefusedNamingIt()
    {
        assertEquals(TransportContext.VERBS_ACK_TIMEOUT_DEFAULT, TransportContext.fromProperties(new Properties()).conclude().verbsAckTimeout());
        final Properties p = new Properties();
        p.setProperty(TransportContext.VERBS_ACK_TIMEOUT_PROP, "20");
        assertEquals(20, TransportContext.fromProperties(p).conclude().verbsAckTimeout());
        for (final String wrong : new String[] {"0", "32"})
        {
            p.setProperty(TransportContext.VERBS_ACK_TIMEOUT_PROP, wrong);
            final TransportContext context = TransportContext.fromProperties(p);
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, context::conclude);
            assertTrue(ex.getMessage().startsWith(TransportContext.VERBS_ACK_TIMEOUT_PROP + "=" + wrong), ex.getMessage());
        }
        p.setProperty(TransportContext.VERBS_ACK_TIMEOUT_PROP, "1s");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> TransportContext.fromProperties(p));
        assertTrue(ex.getMessage().contains(TransportContext.VERBS_ACK_TIMEOUT_PROP), ex.getMessage());
    }
}
