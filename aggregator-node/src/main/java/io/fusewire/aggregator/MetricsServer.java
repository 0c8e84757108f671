package io.fusewire.aggregator;

import com.sun.net.httpserver.HttpExchange;
import io.fusewire.transport.support.HostPort;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * A daemon's HTTP port for its operator: Prometheus metrics at {@code /metrics}
 * ({@link CountersCollector}) and a plain-text status at {@code /status} (what it serves, each job and
 * who joined it, the counters and the distinct error log), which {@code fusewire stat --remote}
 * prints. Served by the exporter's own small thread pool, never the agents.
 */
final class MetricsServer implements AutoCloseable
{
    private final HTTPServer server;

    private MetricsServer(final HTTPServer server)
    {
        this.server = server;
    }

    /**
     * @param hostPort where to listen; port 0 for any.
     * @param counters the daemon's counters file.
     * @param jobs     the daemon's jobs.
     * @param heading  the status's first line: what the daemon serves, where.
     * @return the running server.
     * @throws IllegalArgumentException naming the address if it cannot listen there.
     */
    static MetricsServer start(final String hostPort, final CountersFile counters, final JobTable jobs, final Supplier<String> heading)
    {
        final InetSocketAddress address = HostPort.parse(hostPort);
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new CountersCollector(counters, jobs::metrics));
        try
        {
            return new MetricsServer(HTTPServer.builder().inetAddress(address.getAddress()).port(address.getPort()).registry(registry)
                .defaultHandler(exchange -> answer(exchange, () -> status(heading.get(), jobs.describe(), counters))).buildAndStart());
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot serve metrics at " + hostPort + " (" + AggregatorContext.METRICS_LISTEN_PROP + "): "
                + ex.getMessage(), ex);
        }
    }

    /** @return the port it listens on. */
    int port()
    {
        return server.getPort();
    }

    @Override
    public void close()
    {
        server.close();
    }

    /** @return the text of /status. */
    static String status(final String heading, final List<String> jobs, final CountersFile counters)
    {
        final StringWriter text = new StringWriter();
        final PrintWriter out = new PrintWriter(text);
        out.println(heading);
        out.println("jobs: " + jobs.size());
        jobs.forEach(job -> out.println("  " + job));
        out.println("counters:");
        counters.report(out, true);
        out.flush();
        return text.toString();
    }

    private static void answer(final HttpExchange exchange, final Supplier<String> status) throws IOException
    {
        try (exchange)
        {
            final boolean known = "/status".equals(exchange.getRequestURI().getPath());
            final byte[] body = (known ? status.get() : "this port serves /metrics (Prometheus) and /status\n")
                .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(known ? 200 : 404, body.length);
            try (OutputStream stream = exchange.getResponseBody())
            {
                stream.write(body);
            }
        }
    }
}
