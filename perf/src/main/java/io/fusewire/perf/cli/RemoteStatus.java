package io.fusewire.perf.cli;

import io.fusewire.transport.support.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads the plain-text status an aggregator daemon serves on its metrics port, within a bound. */
final class RemoteStatus
{
    private static final Duration BOUND = Duration.ofSeconds(10);

    private RemoteStatus()
    {
    }

    /**
     * @param hostPort the daemon's metrics port.
     * @return its /status.
     * @throws IllegalArgumentException saying what went wrong: nothing there, no answer in time, not a daemon's status.
     * @throws InterruptedException if interrupted while waiting.
     */
    static String fetch(final String hostPort) throws InterruptedException
    {
        final URI uri = URI.create("http://" + HostPort.format(HostPort.parse(hostPort)) + "/status");
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(BOUND).build())
        {
            final HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(BOUND).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !response.body().startsWith("fusewire aggregator "))
            {
                throw new IllegalArgumentException(uri + " answered " + response.statusCode() + ", not a daemon's status: is " + hostPort
                    + " the --metrics-port of a fusewire aggregator?");
            }
            return response.body();
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("no status from " + uri + " within " + BOUND.toSeconds() + " s: " + ex
                + " (start the daemon with --metrics-port)", ex);
        }
    }
}
