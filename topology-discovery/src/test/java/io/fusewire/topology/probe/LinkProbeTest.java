package io.fusewire.topology.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Probes over loopback with the real transport and real sockets. */
final class LinkProbeTest
{
    @Test
    void roundTripsAndBandwidthOverTcp()
    {
        try (LinkResponder responder = new LinkResponder("tcp", "127.0.0.1"); LinkProber prober = new LinkProber("tcp", Duration.ofSeconds(1)))
        {
            final LinkProber.RoundTrips trips = prober.roundTrips(responder.address(), 20, Duration.ofSeconds(5));
            assertEquals(20, trips.samples().length);
            assertTrue(trips.minMicros() > 0 && trips.minMicros() <= trips.medianMicros(), "min <= median");
            assertTrue(trips.medianMicros() < 1_000_000, "a loopback round trip under a second: " + trips.medianMicros());
            final double mbit = prober.bandwidthMbit(responder.address(), Duration.ofMillis(100), Duration.ofSeconds(5));
            assertTrue(mbit > 10, "loopback carries more than 10 Mbit/s: " + mbit);
            // A second probe on the same prober: the first connection's end does not fail it.
            assertEquals(5, prober.roundTrips(responder.address(), 5, Duration.ofSeconds(5)).samples().length);
        }
    }

    @Test
    void aPeerThatIsNotThereIsNamedWithinTheConnectBound() throws Exception
    {
        final int port;
        try (ServerSocket free = new ServerSocket(0))
        {
            port = free.getLocalPort();
        }
        try (LinkProber prober = new LinkProber("tcp", Duration.ofSeconds(1)))
        {
            final long start = System.nanoTime();
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> prober.roundTrips("127.0.0.1:" + port, 3, Duration.ofSeconds(2)));
            assertTrue(ex.getMessage().contains("127.0.0.1:" + port), ex.getMessage());
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "a 1 s connect bound, not the default");
        }
    }

    @Test
    void loopbackIsZeroHopsAndTheTtlIsSeen()
    {
        try (HopEcho echo = new HopEcho("127.0.0.1"))
        {
            assertEquals(0, HopCount.measure("127.0.0.1", "127.0.0.1", echo.port()));
        }
    }

    @Test
    void noEchoIsUnknownWithinABound() throws Exception
    {
        final int port;
        try (TtlSocket silent = new TtlSocket("127.0.0.1", 0))
        {
            port = silent.port();
            final long start = System.nanoTime();
            assertEquals(HopCount.UNKNOWN, HopCount.measure("127.0.0.1", "127.0.0.1", port));
            assertTrue(System.nanoTime() - start < 3_000_000_000L, "three tries of 300 ms");
        }
    }
}
