package io.fusewire.topology.groups;

import io.fusewire.topology.Json;
import io.fusewire.topology.JsonMembers;
import io.fusewire.topology.JsonReader;
import io.fusewire.transport.support.HostPort;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * A job's placement as a document that its processes read: which host runs each worker rank, where
 * each aggregator listens, over which racks. {@code fusewire topo --place} writes it; a worker's
 * {@code CommunicatorContext.fromEnvironment} takes the aggregators from it ({@code FUSEWIRE_PLACEMENT});
 * {@code fusewire aggregator --placement} listens where it says. Chunk i of every collective goes to
 * aggregator i mod A, as the workers shard.
 *
 * <pre>
 *   {"version": 1, "kind": "flat",
 *    "racks": [["r0h0", "r0h1", "r0h2"], ["r1h0", "r1h1", "r1h2"]],
 *    "workers": [{"host": "r0h0", "address": "10.77.0.10"}, ...],           rank = position
 *    "aggregators": [{"host": "r0h2", "listen": "10.77.0.12:29500"}, ...],   index = position
 *    "busiest_uplink_tensors": 2.0}
 * </pre>
 *
 * @param job              the hosts, by name, over the racks.
 * @param workerAddresses  per rank, its host's address.
 * @param aggregatorListen per aggregator, host:port it listens on.
 */
public record PlacementDocument(JobPlacement job, List<String> workerAddresses, List<String> aggregatorListen)
{
    /** The schema's version. */
    public static final int VERSION = 1;

    /** @throws IllegalArgumentException if the lists do not match the placement or a listen address is not host:port. */
    public PlacementDocument
    {
        if (workerAddresses.size() != job.workerHosts().size() || aggregatorListen.size() != job.aggregatorHosts().size())
        {
            throw new IllegalArgumentException("a placement needs an address per worker and a listen address per aggregator");
        }
        if (job.workerHosts().isEmpty() || job.aggregatorHosts().isEmpty())
        {
            throw new IllegalArgumentException("a placement has at least one worker and one aggregator");
        }
        for (final String listen : aggregatorListen)
        {
            if (HostPort.parse(listen).getPort() == 0)
            {
                throw new IllegalArgumentException("aggregator listen address " + listen + ": workers need a fixed port, not 0");
            }
        }
        if (Set.copyOf(aggregatorListen).size() != aggregatorListen.size())
        {
            throw new IllegalArgumentException("two aggregators listen on one address: " + aggregatorListen);
        }
        final Set<String> hosts = Set.copyOf(job.racks().stream().flatMap(List::stream).toList());
        for (final String host : concat(job.workerHosts(), job.aggregatorHosts()))
        {
            if (!hosts.contains(host))
            {
                throw new IllegalArgumentException("host " + host + " is in no rack of the placement");
            }
        }
        workerAddresses = List.copyOf(workerAddresses);
        aggregatorListen = List.copyOf(aggregatorListen);
    }

    /** @return the document. */
    public String json()
    {
        return "{\"version\":" + VERSION + ",\"kind\":\"flat\",\"racks\":" + Json.nested(job.racks()) + ",\"workers\":"
            + Json.array(IntStream.range(0, workerAddresses.size()).mapToObj(r -> "{\"host\":" + Json.quote(job.workerHosts().get(r))
                + ",\"address\":" + Json.quote(workerAddresses.get(r)) + "}").toList())
            + ",\"aggregators\":" + Json.array(IntStream.range(0, aggregatorListen.size()).mapToObj(a -> "{\"host\":"
                + Json.quote(job.aggregatorHosts().get(a)) + ",\"listen\":" + Json.quote(aggregatorListen.get(a)) + "}").toList())
            + String.format(Locale.ROOT, ",\"busiest_uplink_tensors\":%.2f}", job.maxUplinkTensors());
    }

    /**
     * @param file a document {@link #json()} wrote.
     * @return the placement.
     * @throws IllegalArgumentException naming the file and what in it is wrong, or why it cannot be read.
     */
    public static PlacementDocument read(final Path file)
    {
        try
        {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("placement " + file + " cannot be read: " + ex, ex);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("placement " + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @param json a document {@link #json()} wrote.
     * @return the placement.
     * @throws IllegalArgumentException saying what is wrong.
     */
    public static PlacementDocument parse(final String json)
    {
        final JsonMembers doc = JsonMembers.of(JsonReader.parse(json), "the document");
        doc.allow("version", "kind", "racks", "workers", "aggregators", "busiest_uplink_tensors");
        if (doc.integer("version", -1) != VERSION || !"flat".equals(doc.string("kind", "")))
        {
            throw new IllegalArgumentException("expected \"version\": " + VERSION + " and \"kind\": \"flat\" (as `fusewire topo --place`"
                + " writes)");
        }
        final List<List<String>> racks = doc.stringLists("racks");
        final List<JsonMembers> workers = doc.objects("workers");
        final List<JsonMembers> aggregators = doc.objects("aggregators");
        workers.forEach(w -> w.allow("host", "address"));
        aggregators.forEach(a -> a.allow("host", "listen"));
        return new PlacementDocument(new JobPlacement(racks, workers.stream().map(w -> w.required("host", x -> x.string("host", ""))).toList(),
            aggregators.stream().map(a -> a.required("host", x -> x.string("host", ""))).toList()),
            workers.stream().map(w -> w.required("address", x -> x.string("address", ""))).toList(),
            aggregators.stream().map(a -> a.required("listen", x -> x.string("listen", ""))).toList());
    }

    private static List<String> concat(final List<String> a, final List<String> b)
    {
        final List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
