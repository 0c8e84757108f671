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
 * <p>A two-tier placement ({@code "kind": "hierarchical"}) has one aggregator in each rack that has
 * workers, listed in rack order: each worker joins its rack's alone, as the rack's n-th worker, and
 * the rack aggregators exchange their rack sums chunk by chunk (each owning chunk q where q mod R is
 * its index) and pass the totals down.
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
 * @param twoTier          whether the aggregators are rack aggregators of a two-tier job, one per rack with workers.
 */
public record PlacementDocument(JobPlacement job, List<String> workerAddresses, List<String> aggregatorListen, boolean twoTier)
{
    /** The schema's version. */
    public static final int VERSION = 1;
    private static final String FLAT = "flat";
    private static final String HIERARCHICAL = "hierarchical";

    /**
     * @throws IllegalArgumentException if the lists do not match the placement, a listen address is not host:port, or a two-tier
     *                                  placement has a rack with workers and not exactly one aggregator, or an aggregator in no
     *                                  worker's rack.
     */
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
        if (twoTier)
        {
            checkOneAggregatorPerRack(job);
        }
        workerAddresses = List.copyOf(workerAddresses);
        aggregatorListen = List.copyOf(aggregatorListen);
    }

    /** A flat placement: every worker joins every aggregator. */
    public PlacementDocument(final JobPlacement job, final List<String> workerAddresses, final List<String> aggregatorListen)
    {
        this(job, workerAddresses, aggregatorListen, false);
    }

    /** @return the aggregator a rank joins in a two-tier placement: the one in its rack. */
    public int rackAggregator(final int rank)
    {
        final List<String> rack = rackOf(job, job.workerHosts().get(rank));
        return IntStream.range(0, job.aggregatorHosts().size()).filter(a -> rack.contains(job.aggregatorHosts().get(a))).findFirst()
            .orElseThrow();
    }

    /** @return a rank's rank among its rack's workers (in rank order), as it joins its rack aggregator. */
    public int rankInRack(final int rank)
    {
        final List<String> rack = rackOf(job, job.workerHosts().get(rank));
        return (int)IntStream.range(0, rank).filter(r -> rack.contains(job.workerHosts().get(r))).count();
    }

    /** @return how many workers a rank's rack has. */
    public int workersInRack(final int rank)
    {
        final List<String> rack = rackOf(job, job.workerHosts().get(rank));
        return (int)job.workerHosts().stream().filter(rack::contains).count();
    }

    private static List<String> rackOf(final JobPlacement job, final String host)
    {
        return job.racks().stream().filter(rack -> rack.contains(host)).findFirst().orElseThrow();
    }

    private static void checkOneAggregatorPerRack(final JobPlacement job)
    {
        int previous = -1;
        for (final String aggregator : job.aggregatorHosts())
        {
            final List<String> rack = rackOf(job, aggregator);
            final int index = job.racks().indexOf(rack);
            if (job.workerHosts().stream().noneMatch(rack::contains) || index <= previous)
            {
                throw new IllegalArgumentException("a two-tier placement lists one aggregator per rack with workers, in rack order; "
                    + "aggregator on " + aggregator + " is " + (index <= previous ? "out of order or a second in its rack" : "in a rack without workers"));
            }
            previous = index;
        }
        for (final String worker : job.workerHosts())
        {
            if (job.aggregatorHosts().stream().noneMatch(rackOf(job, worker)::contains))
            {
                throw new IllegalArgumentException("a two-tier placement has an aggregator in every rack with workers; worker host " + worker
                    + "'s rack has none");
            }
        }
    }

    /** @return the document. */
    public String json()
    {
        return "{\"version\":" + VERSION + ",\"kind\":\"" + (twoTier ? HIERARCHICAL : FLAT) + "\",\"racks\":" + Json.nested(job.racks()) + ",\"workers\":"
            + Json.array(IntStream.range(0, workerAddresses.size()).mapToObj(r -> "{\"host\":" + Json.quote(job.workerHosts().get(r))
                + ",\"address\":" + Json.quote(workerAddresses.get(r)) + "}").toList())
            + ",\"aggregators\":" + Json.array(IntStream.range(0, aggregatorListen.size()).mapToObj(a -> "{\"host\":"
                + Json.quote(job.aggregatorHosts().get(a)) + ",\"listen\":" + Json.quote(aggregatorListen.get(a)) + "}").toList())
            + String.format(Locale.ROOT, ",\"busiest_uplink_tensors\":%.2f}", twoTier
                ? 2.0 * (aggregatorListen.size() - 1) / aggregatorListen.size() : job.maxUplinkTensors());
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
        final String kind = doc.string("kind", "");
        if (doc.integer("version", -1) != VERSION || !FLAT.equals(kind) && !HIERARCHICAL.equals(kind))
        {
            throw new IllegalArgumentException("expected \"version\": " + VERSION + " and \"kind\": \"flat\" or \"hierarchical\" (as"
                + " `fusewire topo --place` writes)");
        }
        final List<List<String>> racks = doc.stringLists("racks");
        final List<JsonMembers> workers = doc.objects("workers");
        final List<JsonMembers> aggregators = doc.objects("aggregators");
        workers.forEach(w -> w.allow("host", "address"));
        aggregators.forEach(a -> a.allow("host", "listen"));
        return new PlacementDocument(new JobPlacement(racks, workers.stream().map(w -> w.required("host", x -> x.string("host", ""))).toList(),
            aggregators.stream().map(a -> a.required("host", x -> x.string("host", ""))).toList()),
            workers.stream().map(w -> w.required("address", x -> x.string("address", ""))).toList(),
            aggregators.stream().map(a -> a.required("listen", x -> x.string("listen", ""))).toList(), HIERARCHICAL.equals(kind));
    }

    private static List<String> concat(final List<String> a, final List<String> b)
    {
        final List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
