package io.fusewire.aggregator;

import io.fusewire.topology.store.StoreServer;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.IdleStrategies;
import io.fusewire.transport.Listener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * An aggregator daemon: listens for workers, admits jobs, sums their chunks and sends the sums
 * back. Two agents, a {@link TransportAgent} and a {@link ReduceAgent}, joined by two ring
 * buffers; on one thread (SHARED, the default) or one each (DEDICATED).
 */
public final class AggregatorNode implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.aggregator");
    private static final int INGRESS_BYTES = 8 << 20;
    private static final int EGRESS_BYTES = 4 << 20;

    private final Fabric fabric;
    private final StoreServer store;
    private final MetricsServer metrics;
    private final CountersFile countersFile;
    private final JobTable jobs;
    private final UplinkDialer dialer;
    private final String transport;
    private final String address;
    private final AgentRunner[] runners;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AggregatorNode(final AggregatorContext context)
    {
        transport = context.transport();
        store = context.storeListen().isEmpty() ? null : serveStore(context.storeListen());
        fabric = open(context, store);
        CountersFile created = null;
        try
        {
            final Device device = fabric.openDefaultDevice();
            final CompletionQueue queue = device.createCompletionQueue();
            final SharedTables tables = new SharedTables();
            created = CountersFile.create(context.transportContext().shmDirectory());
            countersFile = created;
            final AggregatorCounters counters = new AggregatorCounters(countersFile);
            if (store != null)
            {
                // store threads increment it too: an atomic add, unlike the agents' single-writer counters
                store.onRefusal(counters.storeRefused::increment);
            }
            dialer = new UplinkDialer(device, queue);
            jobs = new JobTable(device, tables, context.maxJobs(), counters, dialer);
            final Listener listener = device.listen(context.listen(), jobs, queue);
            address = listener.address();
            final OneToOneRingBuffer ingress = ring(INGRESS_BYTES);
            final OneToOneRingBuffer egress = ring(EGRESS_BYTES);
            final Agent transport = new TransportAgent(listener, queue, ingress, egress, tables,
                context.transportContext().maxMessageLength(), dialer);
            final Agent reduce = new ReduceAgent(jobs, ingress, egress, context.stragglerTimeoutMs(), counters);
            final ErrorHandler errors = ex ->
            {
                counters.record(ex);
                LOG.log(System.Logger.Level.ERROR, "aggregator agent failed", ex);
            };
            final boolean spin = context.busySpin();
            runners = context.dedicatedThreads()
                ? new AgentRunner[] {runner(transport, errors, spin), runner(reduce, errors, spin)}
                : new AgentRunner[] {runner(new CompositeAgent(transport, reduce), errors, spin)};
            // last: nothing after it can fail and leave it serving
            final long started = System.nanoTime();
            metrics = context.metricsListen().isEmpty() ? null : MetricsServer.start(context.metricsListen(), countersFile, jobs,
                () -> "fusewire aggregator " + address + " over " + context.transport() + ", pid " + ProcessHandle.current().pid() + ", up "
                    + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s"
                    + (store != null ? ", rendezvous store at tcp://" + store.address() : ""));
        }
        catch (final RuntimeException ex)
        {
            fabric.close();
            if (store != null)
            {
                store.close();
            }
            if (created != null)
            {
                created.close();
            }
            throw ex;
        }
        for (final AgentRunner runner : runners)
        {
            AgentRunner.startOnThread(runner);
        }
        LOG.log(System.Logger.Level.INFO, "aggregator listening on " + address + " over " + context.transport()
            + (context.dedicatedThreads() ? ", dedicated threads" : ", one shared thread")
            + (context.busySpin() ? ", busy-spinning" : "")
            + (store != null ? ", rendezvous store at tcp://" + store.address() : "")
            + (metrics != null ? ", metrics and status on port " + metrics.port() : ""));
    }

    /** The line {@link #main} prints once it listens, followed by the address. */
    public static final String LISTENING = "LISTENING ";

    /**
     * Runs a daemon until the process is stopped: configured by system properties, or by the
     * .properties file named as the only argument.
     *
     * @param args nothing, or a .properties file.
     * @throws InterruptedException if interrupted while serving.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final AggregatorContext context = args.length > 0
            ? AggregatorContext.fromFile(java.nio.file.Path.of(args[0])) : AggregatorContext.fromProperties(null);
        try (AggregatorNode node = launch(context))
        {
            Runtime.getRuntime().addShutdownHook(new Thread(node::close, "fusewire-aggregator-shutdown"));
            System.out.println(LISTENING + node.address());
            System.out.flush();
            Thread.currentThread().join();
        }
    }

    /**
     * Starts a daemon.
     *
     * @param context its configuration; concluded here.
     * @return the running daemon.
     */
    public static AggregatorNode launch(final AggregatorContext context)
    {
        final AggregatorNode node = new AggregatorNode(context.conclude());
        if (context.standby())
        {
            try
            {
                StandbyWarmUp.run(node.address(), context);
            }
            catch (final RuntimeException ex)
            {
                node.close();
                throw new IllegalStateException("the standby could not run a job through itself: " + ex.getMessage(), ex);
            }
        }
        return node;
    }

    /**
     * Makes this daemon a rack aggregator of a two-tier hierarchy: each job that joins from now on
     * sums its workers' chunks here (tier 1), sends each rack sum to the rack aggregator that owns
     * the chunk (chunk q to owner q mod R: a reduce-scatter among the racks), and writes the total
     * that owner returns down to its workers. Every rack aggregator of the hierarchy gets the same
     * owner list, each its own index in it; each rack's workers join their own rack aggregator as a
     * job of their own (ranks 0..n-1 of the rack), with the same job id and secret everywhere.
     *
     * @param rack   this daemon's index among the owners.
     * @param owners every rack aggregator's address, in rack order, this one's included.
     * @throws IllegalArgumentException if the rack is not among the owners, or over shared memory.
     */
    public void uplinks(final int rack, final List<String> owners)
    {
        if ("shm".equals(transport))
        {
            throw new IllegalArgumentException("a second tier crosses hosts: use tcp or verbs, not shm");
        }
        dialer.plan(new UplinkDialer.Plan(rack, owners));
    }

    /** @return where workers connect, host:port. */
    public String address()
    {
        return address;
    }

    /** @return the rendezvous store's host:port, or null if none is served. */
    public String storeAddress()
    {
        return store != null ? store.address() : null;
    }

    /** @return the port of /metrics and /status, or -1 if none is served. */
    public int metricsPort()
    {
        return metrics != null ? metrics.port() : -1;
    }

    /** @return the file {@code fusewire stat} reads this daemon's counters and error log from. */
    public java.nio.file.Path countersPath()
    {
        return countersFile.path();
    }

    /** @return jobs being served. */
    public int jobCount()
    {
        return jobs.size();
    }

    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        for (final AgentRunner runner : runners)
        {
            runner.close();
        }
        if (metrics != null)
        {
            metrics.close();
        }
        jobs.close();
        fabric.close();
        countersFile.close();
        if (store != null)
        {
            store.close();
        }
    }

    private static Fabric open(final AggregatorContext context, final StoreServer store)
    {
        try
        {
            return Fabric.open(context.transport(), context.transportContext());
        }
        catch (final RuntimeException ex)
        {
            if (store != null)
            {
                store.close();
            }
            throw ex;
        }
    }

    private static StoreServer serveStore(final String hostPort)
    {
        final int colon = hostPort.lastIndexOf(':');
        try
        {
            return new StoreServer(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new IllegalArgumentException("cannot serve the rendezvous store at '" + hostPort + "' ("
                + AggregatorContext.STORE_LISTEN_PROP + "): " + ex.getMessage(), ex);
        }
    }

    private static OneToOneRingBuffer ring(final int bytes)
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(bytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    private static AgentRunner runner(final Agent agent, final ErrorHandler errors, final boolean spin)
    {
        return new AgentRunner(spin ? IdleStrategies.busySpin() : IdleStrategies.sharedCore(), errors, null, agent);
    }
}
