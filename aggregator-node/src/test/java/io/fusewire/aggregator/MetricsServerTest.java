package io.fusewire.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A daemon's operator port: Prometheus metrics that move with the work, and a status naming its jobs and who joined them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class MetricsServerTest
{
    @Test
    void metricsCountTheWorkAndStatusNamesEachJobsMembers() throws Exception
    {
        try (Cluster cluster = new Cluster("tcp", 0))
        {
            cluster.aggregators.add(AggregatorNode.launch(new AggregatorContext().listen("127.0.0.1:0").transport("tcp")
                .metricsListen("127.0.0.1:0").transportContext(Cluster.transportContext())));
            final AggregatorNode node = cluster.aggregators.getFirst();
            final String base = "http://127.0.0.1:" + node.metricsPort();
            assertEquals(0, counter(get(base + "/metrics").body(), "fusewire_aggregator_bytes_in_total"), "nothing summed yet");
            final List<Communicator> workers = cluster.join(2);
            try
            {
                AllReduceTest.checkSum(workers, DataType.FLOAT32, 10_000);
                final String metrics = get(base + "/metrics").body();
                assertEquals(2 * 10_000 * 4, counter(metrics, "fusewire_aggregator_bytes_in_total"), metrics);
                assertTrue(counter(metrics, "fusewire_aggregator_chunks_reduced_total") > 0, metrics);
                assertEquals(1, counter(metrics, "fusewire_aggregator_jobs_active"), metrics);
                assertTrue(metrics.matches("(?s).*\nfusewire_aggregator_job_bytes_in_total\\{job=\"\\d+\",tier=\"1\"} 80000\\.0\n.*"), metrics);
                assertEquals(counter(metrics, "fusewire_aggregator_chunks_reduced_total"),
                    counter(metrics, "fusewire_aggregator_chunk_latency_seconds_count"), "every chunk summed has its latency counted");
                assertTrue(metrics.contains("fusewire_aggregator_chunk_latency_seconds_bucket{le=\"+Inf\"} "
                    + counter(metrics, "fusewire_aggregator_chunk_latency_seconds_count")), metrics);
                assertEquals(0, counter(metrics, "fusewire_aggregator_straggler_timeouts_total"), metrics);
                final HttpResponse<String> status = get(base + "/status");
                assertEquals(200, status.statusCode());
                assertTrue(status.body().startsWith("fusewire aggregator " + node.address() + " over tcp"), status.body());
                assertTrue(status.body().matches("(?s).*jobs: 1\n  job \\d+: 2 members, window 4 x 16384 B, 80000 bytes in, \\d+ chunks reduced;"
                    + " ranks 0 127\\.0\\.0\\.1:\\d+.*, 1 "
                    + "127\\.0\\.0\\.1:\\d+.*"), status.body());
                assertTrue(status.body().contains("chunks reduced") && status.body().contains("distinct error"), status.body());
            }
            finally
            {
                workers.forEach(Communicator::close);
            }
            assertEquals(404, get(base + "/").statusCode());
        }
    }

    @Test
    void statusNamesTheWorkerAJobWaitsFor() throws Exception
    {
        try (Cluster cluster = new Cluster("tcp", 0))
        {
            cluster.aggregators.add(AggregatorNode.launch(new AggregatorContext().listen("127.0.0.1:0").transport("tcp")
                .metricsListen("127.0.0.1:0").transportContext(Cluster.transportContext())));
            final String base = "http://127.0.0.1:" + cluster.aggregators.getFirst().metricsPort();
            final List<Communicator> workers = cluster.join(2);
            try
            {
                final MemorySegment early = Arena.ofAuto().allocate(4096);
                final CompletableFuture<MemorySegment> sum = workers.get(0).allReduce(early, DataType.FLOAT32, ReduceOp.SUM);
                String status = "";
                for (int i = 0; i < 100 && !status.contains("late: "); i++)
                {
                    Thread.sleep(50);
                    status = get(base + "/status").body();
                }
                assertTrue(status.matches("(?s).*late: slot 0 waits \\d+ ms for rank 1 \\(127\\.0\\.0\\.1:\\d+.*"), status);
                workers.get(1).allReduce(Arena.ofAuto().allocate(4096), DataType.FLOAT32, ReduceOp.SUM).join();
                sum.join();
                Thread.sleep(200);
                status = get(base + "/status").body();
                assertFalse(status.contains("late: "), "no longer late once rank 1 came: " + status);
            }
            finally
            {
                workers.forEach(Communicator::close);
            }
        }
    }

    private static HttpResponse<String> get(final String uri) throws Exception
    {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build())
        {
            return client.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        }
    }

    /** @return the value of a metric without labels in a text exposition. */
    private static long counter(final String exposition, final String name)
    {
        final Matcher value = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(exposition);
        assertTrue(value.find(), name + " in " + exposition);
        return (long)Double.parseDouble(value.group(1));
    }
}
