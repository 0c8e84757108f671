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
            assertTrue(trips.samples()[0] > 0 && trips.samples()[0] <= trips.samples()[19], "sorted, positive");
            assertTrue(trips.minMicros() < 1_000_000, "a loopback round trip under a second: " + trips.minMicros());
            final double mbit = prober.bandwidthMbit(responder.address(), Duration.ofMillis(100), Duration.ofSeconds(5));
            assertTrue(mbit > 10, "loopback carries more than 10 Mbit/s: " + mbit);
            // A second probe on the same prober: the first connection's end does not fail it.
            assertEquals(5, prober.roundTrips(responder.address(), 5, Duration.ofSeconds(5)).samples().length);
        }
    }

    @Test
    void aPeerThatNeverAnswersIsNamedWithinTheConnectBound() throws Exception
    {
        // listens (so the TCP connect succeeds) but never speaks the transport's hello: only the 1 s bound ends the wait
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()); LinkProber prober = new LinkProber("tcp",
            Duration.ofSeconds(1)))
        {
            final String peer = "127.0.0.1:" + silent.getLocalPort();
            final long start = System.nanoTime();
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> prober.roundTrips(peer, 3, Duration.ofSeconds(2)));
            final long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ex.getMessage().contains(peer), ex.getMessage());
            assertTrue(millis >= 900 && millis < 5_000, "the 1 s connect bound, not the 10 s default: " + millis + " ms");
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
