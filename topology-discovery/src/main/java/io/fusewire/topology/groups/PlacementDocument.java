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
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A job's placement as a document that its processes read: which host runs each worker rank, where
 * each aggregator listens, over which racks. {@code fusewire topo --place} writes it; a worker's
 * {@code CommunicatorContext.fromEnvironment} takes the aggregators from it ({@code FUSEWIRE_PLACEMENT});
 * {@code fusewire aggregator --placement} listens where it says. Chunk i of every collective goes to
 * aggregator i mod A, as the workers shard.
 *
 * <p>A two-tier placement ({@code "kind": "hierarchical"}) has the same number H of aggregators in
 * each rack that has workers, listed rack by rack: each worker joins its rack's H alone, as the rack's
 * n-th worker (chunk i to the rack's aggregator i mod H, as a flat job shards), and the rack
 * aggregators exchange their rack sums chunk by chunk, the s-th of each rack with the s-th of the
 * others (each owning every R-th of its chunks), and pass the totals down. H = 1 is one aggregator
 * per rack; H > 1 shards the rack's tier 1 so that no one host link carries the whole rack.
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
 * @param twoTier          whether the aggregators are rack aggregators of a two-tier job, H per rack with workers.
 */
public record PlacementDocument(JobPlacement job, List<String> workerAddresses, List<String> aggregatorListen, boolean twoTier)
{
    /** The schema's version. */
    public static final int VERSION = 1;
    private static final String FLAT = "flat";
    private static final String HIERARCHICAL = "hierarchical";

    /**
     * @throws IllegalArgumentException if the lists do not match the placement, a listen address is not host:port, or a two-tier
     *                                  placement has a rack with workers and no aggregator, racks with different numbers of
     *                                  aggregators, aggregators out of rack order, or an aggregator in no worker's rack.
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
            checkRackAggregators(job);
        }
        workerAddresses = List.copyOf(workerAddresses);
        aggregatorListen = List.copyOf(aggregatorListen);
    }

    /** A flat placement: every worker joins every aggregator. */
    public PlacementDocument(final JobPlacement job, final List<String> workerAddresses, final List<String> aggregatorListen)
    {
        this(job, workerAddresses, aggregatorListen, false);
    }

    /** @return in a two-tier placement, the listen addresses of a rank's rack aggregators, the ones it joins. */
    public List<String> rackAggregators(final int rank)
    {
        final List<String> rack = rackOf(job, job.workerHosts().get(rank));
        return IntStream.range(0, aggregatorListen.size()).filter(a -> rack.contains(job.aggregatorHosts().get(a)))
            .mapToObj(aggregatorListen::get).toList();
    }

    /** @return in a two-tier placement, how many aggregators each rack's tier 1 is sharded over (H). */
    public int shardsPerRack()
    {
        return aggregatorListen.size() / (int)job.aggregatorHosts().stream().map(host -> rackOf(job, host)).distinct().count();
    }

    /**
     * @param aggregator an index into the aggregators of a two-tier placement.
     * @return the rack aggregators it exchanges rack sums with, itself included: the same shard of every rack, in rack order.
     */
    public List<String> tierTwoPeers(final int aggregator)
    {
        final int shards = shardsPerRack();
        return IntStream.range(0, aggregatorListen.size() / shards).mapToObj(r -> aggregatorListen.get(r * shards + aggregator % shards)).toList();
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

    private static void checkRackAggregators(final JobPlacement job)
    {
        final List<Integer> racks = job.aggregatorHosts().stream().map(host -> job.racks().indexOf(rackOf(job, host))).toList();
        for (int a = 0; a < racks.size(); a++)
        {
            final String aggregator = job.aggregatorHosts().get(a);
            if (job.workerHosts().stream().noneMatch(job.racks().get(racks.get(a))::contains) || a > 0 && racks.get(a) < racks.get(a - 1))
            {
                throw new IllegalArgumentException("a two-tier placement lists its aggregators rack by rack, in racks with workers; "
                    + "aggregator on " + aggregator + " is " + (a > 0 && racks.get(a) < racks.get(a - 1) ? "out of rack order"
                    : "in a rack without workers"));
            }
        }
        for (final String worker : job.workerHosts())
        {
            if (job.aggregatorHosts().stream().noneMatch(rackOf(job, worker)::contains))
            {
                throw new IllegalArgumentException("a two-tier placement has an aggregator in every rack with workers; worker host " + worker
                    + "'s rack has none");
            }
        }
        final Map<Integer, Long> perRack = racks.stream().collect(Collectors.groupingBy(r -> r, TreeMap::new, Collectors.counting()));
        if (Set.copyOf(perRack.values()).size() > 1)
        {
            throw new IllegalArgumentException("a two-tier placement has as many aggregators in each rack (shard s of each rack exchanges"
                + " with shard s of the others); aggregators per rack: " + perRack);
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
            + String.format(Locale.ROOT, ",\"busiest_uplink_tensors\":%.2f}", twoTier ? twoTierUplinkTensors() : job.maxUplinkTensors());
    }

    /** @return what each uplink of a two-tier job carries each way, per byte of tensor: 2(R-1)/R. */
    private double twoTierUplinkTensors()
    {
        final int racks = aggregatorListen.size() / shardsPerRack();
        return 2.0 * (racks - 1) / racks;
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
