package io.fusewire.perf.cli;

import io.fusewire.aggregator.AggregatorNode;
import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.topology.store.StoreServer;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * The processes of one harness run, on this host or placed in a testbed's hosts ({@link Placement}):
 * aggregator daemons, a rendezvous store, and the workers of one job, each a JVM of its own. Workers speak a two-line protocol on stdout:
 * {@link #RESULT} lines carry results, a {@link #FAILED} line the reason a worker gave up; other
 * lines are relayed with the worker's name. Everything is bounded by one deadline.
 */
public final class LocalCluster implements AutoCloseable
{
    /** Prefix of a worker's result line. */
    public static final String RESULT = "RESULT ";
    /** Prefix of the line a failed worker prints last. */
    public static final String FAILED = "FAILED ";
    private static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

    private final PrintWriter out;
    private final long timeoutSeconds;
    private final long deadlineNs;
    private final List<ChildJvm> aggregators = new ArrayList<>();
    private final List<ChildJvm> workers = new ArrayList<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final long job = new SecureRandom().nextLong() & JoinRequest.MAX_JOB_ID;
    private final String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    private StoreServer store;
    private ChildJvm storeProcess;
    private List<String> jvmOptions = List.of();
    private Placement placement = Placement.LOCAL;
    private boolean dumpOnFailure;
    /** Set once thread dumps were asked for: from then on services' every line is relayed. */
    private volatile boolean relayEverything;

    /**
     * @param out            where relayed lines go.
     * @param timeoutSeconds bound on the whole run.
     */
    public LocalCluster(final PrintWriter out, final long timeoutSeconds)
    {
        this.out = out;
        this.timeoutSeconds = timeoutSeconds;
        this.deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    }

    /**
     * @param options JVM flags for every process started from now on, after this JVM's own (e.g. a fixed heap).
     * @return this.
     */
    public LocalCluster jvmOptions(final List<String> options)
    {
        this.jvmOptions = List.copyOf(options);
        return this;
    }

    /**
     * @param where where every process started from now on runs.
     * @return this.
     */
    public LocalCluster placement(final Placement where)
    {
        this.placement = where;
        return this;
    }

    /**
     * Asks for the aggregators' thread dumps (SIGQUIT: the JVM prints them to its relayed output)
     * when the first worker fails, while they are still in the state that failed it: for the
     * post-mortem of a rare stall.
     *
     * @return this.
     */
    public LocalCluster threadDumpsOnFailure()
    {
        this.dumpOnFailure = true;
        return this;
    }

    /** @return the job id the workers share. */
    public long job()
    {
        return job;
    }

    /** @return the job's secret, as its workers find it in their environment (never on a command line, where ps shows it). */
    private Map<String, String> secretEnvironment()
    {
        return Map.of(JobOptions.SECRET_VARIABLE, secret);
    }

    /**
     * Starts aggregator daemons and waits until each listens. The transport is opened here first,
     * so that one this host cannot run (verbs without RDMA) fails at once, saying why, instead of
     * in every child.
     *
     * @param count     how many.
     * @param transport shm, tcp or verbs.
     * @return their addresses, in order.
     * @throws Exception if one did not come up in time.
     * @throws TransportException if this host cannot run the transport.
     */
    public List<String> startAggregators(final int count, final String transport) throws Exception
    {
        return startAggregators(count, 0, transport);
    }

    /**
     * Starts aggregator daemons, the last {@code standbys} of them as standbys ({@code --standby}:
     * warmed up before they announce themselves).
     *
     * @return the addresses of all, in order: the job's aggregators, then the standbys.
     * @throws Exception if one did not come up in time.
     */
    public List<String> startAggregators(final int count, final int standbys, final String transport) throws Exception
    {
        Fabric.open(transport, new TransportContext()).close();
        for (int a = 0; a < count + standbys; a++)
        {
            final String name = a < count ? "aggregator " + a : "standby " + (a - count);
            final List<String> arguments = new ArrayList<>(List.of("aggregator", "--listen", placement.aggregatorListen(a), "--transport",
                transport));
            if (a >= count)
            {
                arguments.add("--standby");
            }
            aggregators.add(ChildJvm.start(name, placement.aggregatorWrapper(a), arguments, AggregatorNode.LISTENING, problems(name),
                jvmOptions));
        }
        final List<String> addresses = new ArrayList<>();
        for (final ChildJvm aggregator : aggregators)
        {
            addresses.add(aggregator.announcement().get(Math.max(1, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS));
        }
        return addresses;
    }

    /**
     * Starts the rack aggregators of a two-tier job: per worker group (rack) of the placement its
     * {@link Placement#rackShards()} shards, each listening on a fixed port of its address so that
     * each can be told at start the others it exchanges rack sums with (the same shard of every rack).
     *
     * @param transport tcp or verbs.
     * @param port      the port each listens on.
     * @return their addresses, rack by rack, shard by shard.
     * @throws Exception if one did not come up in time.
     */
    public List<String> startRackAggregators(final String transport, final int port) throws Exception
    {
        final int shards = placement.rackShards();
        final List<String> addresses = new ArrayList<>();
        for (int a = 0; a < placement.aggregatorAddresses().size(); a++)
        {
            addresses.add(placement.aggregatorAddress(a) + ":" + port);
        }
        for (int a = 0; a < addresses.size(); a++)
        {
            final int rack = a / shards;
            final int shard = a % shards;
            final List<String> owners = IntStream.range(0, addresses.size() / shards).mapToObj(r -> addresses.get(r * shards + shard)).toList();
            final String name = "rack aggregator " + rack + (shards > 1 ? " shard " + shard : "");
            aggregators.add(ChildJvm.start(name, placement.aggregatorWrapper(a), List.of("aggregator", "--listen", addresses.get(a),
                "--transport", transport, "--rack", Integer.toString(rack), "--owners", String.join(",", owners)),
                AggregatorNode.LISTENING, problems(name), jvmOptions));
        }
        for (final ChildJvm aggregator : aggregators)
        {
            aggregator.announcement().get(Math.max(1, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return addresses;
    }

    /** @return in a two-tier job, how many aggregators each rack's tier 1 is sharded over; else 1. */
    public int rackShards()
    {
        return placement.rackShards();
    }

    /** @return the group (rack) a rank joins the aggregators of, or -1 where it joins every aggregator. */
    public int workerGroup(final int rank)
    {
        return placement.workerGroup(rank);
    }

    /**
     * Serves a rendezvous store: in this process on loopback, or, when the run is placed on a
     * testbed, in a process of its own in worker 0's host, where every host can reach it.
     *
     * @return its address, tcp://host:port.
     * @throws Exception if no port can be bound or the store's process did not start in time.
     */
    public String startStore() throws Exception
    {
        if (placement.isLocal())
        {
            store = new StoreServer("127.0.0.1", 0);
            return "tcp://" + store.address();
        }
        storeProcess = ChildJvm.start("store", placement.workerWrapper(0),
            List.of("store", "--listen", placement.workerHost(0) + ":0"), StoreCommand.LISTENING, problems("store"), jvmOptions);
        return storeProcess.announcement().get(Math.max(1, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** @return relays a service's warnings, errors and exceptions, with its name. */
    private Consumer<String> problems(final String name)
    {
        return line ->
        {
            if (relayEverything || line.contains(" WARNING ") || line.contains(" ERROR ") || line.contains("Exception") || line.startsWith("fusewire "))
            {
                out.println("[" + name + "] " + line);
            }
        };
    }

    /** @return the address a rank's process listens on: its host's on a testbed, else loopback. */
    public String workerHost(final int rank)
    {
        return placement.workerHost(rank);
    }

    /**
     * Starts the workers of the job.
     *
     * @param count     how many.
     * @param arguments each rank's {@code fusewire} command line.
     * @param onResult  receives (rank, what followed {@link #RESULT}).
     * @throws IOException if a JVM cannot start.
     */
    public void startWorkers(final int count, final IntFunction<List<String>> arguments, final BiConsumer<Integer, String> onResult)
        throws IOException
    {
        for (int rank = 0; rank < count; rank++)
        {
            final int r = rank;
            final Consumer<String> relay = line ->
            {
                if (line.startsWith(RESULT))
                {
                    onResult.accept(r, line.substring(RESULT.length()));
                }
                else if (line.startsWith(FAILED))
                {
                    if (failures.isEmpty() && dumpOnFailure)
                    {
                        dumpAggregatorThreads();
                    }
                    failures.add(line.substring(FAILED.length()));
                }
                else if (!line.equals(INCUBATOR_NOTICE))
                {
                    out.println("[worker " + r + "] " + line);
                }
            };
            workers.add(ChildJvm.start("worker " + rank, placement.workerWrapper(rank), arguments.apply(rank), secretEnvironment(), null,
                relay, jvmOptions));
        }
    }

    /**
     * Waits for every worker to exit, within the deadline.
     *
     * @return what failed, in words; empty if nothing did.
     * @throws InterruptedException if interrupted.
     */
    public List<String> awaitWorkers() throws InterruptedException
    {
        for (final ChildJvm worker : workers)
        {
            final Integer code = worker.awaitExit(deadlineNs - System.nanoTime());
            if (code == null)
            {
                failures.add(worker.name() + " did not finish within " + timeoutSeconds + " s");
            }
            else if (code != 0 && failures.isEmpty())
            {
                failures.add(worker.name() + " exited with code " + code);
            }
        }
        return List.copyOf(failures);
    }

    private void dumpAggregatorThreads()
    {
        relayEverything = true;
        for (final ChildJvm aggregator : aggregators)
        {
            try
            {
                new ProcessBuilder("kill", "-QUIT", Long.toString(aggregator.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
            }
            catch (final IOException ex)
            {
                out.println("# no thread dump of " + aggregator.name() + ": " + ex.getMessage());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** @return the process ids of the aggregators started, in order. */
    public List<Long> aggregatorPids()
    {
        return aggregators.stream().map(ChildJvm::pid).toList();
    }

    /** @return the deadline's remaining milliseconds, for workers' own bounds. */
    public long remainingMs()
    {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
    }

    /** Stops every process and the store. */
    @Override
    public void close() throws InterruptedException
    {
        for (final ChildJvm process : workers)
        {
            process.close();
        }
        for (final ChildJvm process : aggregators)
        {
            process.close();
        }
        if (store != null)
        {
            store.close();
        }
        if (storeProcess != null)
        {
            storeProcess.close();
        }
        out.flush();
    }
}
