package io.fusewire.aggregator;

import io.fusewire.transport.ConfigValues;
import io.fusewire.transport.TransportContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Configuration of an aggregator daemon: {@code fusewire.aggregator.*} properties (and the
 * {@code fusewire.transport.*} ones of its transport), from a .properties file or system
 * properties, validated by {@link #conclude()}.
 */
public final class AggregatorContext
{
    /** host:port to listen on. */
    public static final String LISTEN_PROP = "fusewire.aggregator.listen";
    /** Default for {@link #LISTEN_PROP}. */
    public static final String LISTEN_DEFAULT = "127.0.0.1:29500";
    /** Transport provider: shm, tcp or verbs. */
    public static final String TRANSPORT_PROP = "fusewire.aggregator.transport";
    /** Default for {@link #TRANSPORT_PROP}. */
    public static final String TRANSPORT_DEFAULT = "shm";
    /** A slot some workers wrote into and others did not for this long fails the job, naming the missing ranks. */
    public static final String STRAGGLER_TIMEOUT_PROP = "fusewire.aggregator.straggler.timeout.ms";
    /** Default for {@link #STRAGGLER_TIMEOUT_PROP}. */
    public static final long STRAGGLER_TIMEOUT_DEFAULT = 5_000;
    /** SHARED: one thread runs the transport and reduce agents; DEDICATED: one thread each. */
    public static final String THREADING_PROP = "fusewire.aggregator.threading";
    /** Default for {@link #THREADING_PROP}: these hosts are small, so share. */
    public static final String THREADING_DEFAULT = "SHARED";
    /**
     * How the daemon's threads wait for work: SHARED_CORE (spin briefly, yield, park only after a
     * long idleness; for hosts whose cores the workers share) or SPIN (never give the core up; for
     * a daemon that owns its cores, e.g. pinned with taskset).
     */
    public static final String IDLE_PROP = "fusewire.aggregator.idle";
    /** Default for {@link #IDLE_PROP}. */
    public static final String IDLE_DEFAULT = "SHARED_CORE";
    /** host:port where the daemon also serves a rendezvous store (tcp://); empty: no store. */
    public static final String STORE_LISTEN_PROP = "fusewire.aggregator.store.listen";
    /** host:port where the daemon serves Prometheus metrics (/metrics) and a plain-text status (/status); empty: none. */
    public static final String METRICS_LISTEN_PROP = "fusewire.aggregator.metrics.listen";
    /** Most jobs served at once; joins of further jobs are refused. */
    public static final String MAX_JOBS_PROP = "fusewire.aggregator.max.jobs";
    /** Default for {@link #MAX_JOBS_PROP}. */
    public static final int MAX_JOBS_DEFAULT = 64;

    /**
     * A standby: before it says it listens, the daemon runs a few jobs through itself, so that the
     * first job it takes over from a failed aggregator finds its code compiled and its paths warm.
     */
    public static final String STANDBY_PROP = "fusewire.aggregator.standby";

    private String listen = LISTEN_DEFAULT;
    private boolean standby;
    private String transport = TRANSPORT_DEFAULT;
    private long stragglerTimeoutMs = STRAGGLER_TIMEOUT_DEFAULT;
    private boolean dedicatedThreads;
    private boolean busySpin;
    private int maxJobs = MAX_JOBS_DEFAULT;
    private String storeListen = "";
    private String metricsListen = "";
    private TransportContext transportContext = new TransportContext();

    /**
     * @param properties where to read; system properties if null.
     * @return a context, not yet concluded.
     */
    public static AggregatorContext fromProperties(final Properties properties)
    {
        final Properties p = properties != null ? properties : System.getProperties();
        final AggregatorContext ctx = new AggregatorContext();
        ctx.listen = p.getProperty(LISTEN_PROP, LISTEN_DEFAULT).trim();
        ctx.transport = p.getProperty(TRANSPORT_PROP, TRANSPORT_DEFAULT).trim();
        ctx.stragglerTimeoutMs = ConfigValues.longValue(p, STRAGGLER_TIMEOUT_PROP, STRAGGLER_TIMEOUT_DEFAULT);
        ctx.maxJobs = ConfigValues.intValue(p, MAX_JOBS_PROP, MAX_JOBS_DEFAULT);
        ctx.standby = Boolean.parseBoolean(p.getProperty(STANDBY_PROP, "false").trim());
        final String threading = p.getProperty(THREADING_PROP, THREADING_DEFAULT).trim();
        if (!threading.equals("SHARED") && !threading.equals("DEDICATED"))
        {
            throw new IllegalArgumentException(THREADING_PROP + "=" + threading + ": use SHARED or DEDICATED");
        }
        ctx.dedicatedThreads = threading.equals("DEDICATED");
        final String idle = p.getProperty(IDLE_PROP, IDLE_DEFAULT).trim();
        if (!idle.equals("SHARED_CORE") && !idle.equals("SPIN"))
        {
            throw new IllegalArgumentException(IDLE_PROP + "=" + idle + ": use SHARED_CORE or SPIN");
        }
        ctx.busySpin = idle.equals("SPIN");
        ctx.storeListen = p.getProperty(STORE_LISTEN_PROP, "").trim();
        ctx.metricsListen = p.getProperty(METRICS_LISTEN_PROP, "").trim();
        ctx.transportContext = TransportContext.fromProperties(p);
        return ctx;
    }

    /**
     * @param file a .properties file.
     * @return a context read from it, with system properties for what it does not set.
     * @throws IllegalArgumentException if the file cannot be read, naming it.
     */
    public static AggregatorContext fromFile(final Path file)
    {
        final Properties properties = new Properties(System.getProperties());
        try (InputStream in = Files.newInputStream(file))
        {
            properties.load(in);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read aggregator config " + file + ": " + ex.getMessage(), ex);
        }
        final Properties flat = new Properties();
        properties.stringPropertyNames().forEach(name -> flat.setProperty(name, properties.getProperty(name)));
        return fromProperties(flat);
    }

    /**
     * Validates every setting.
     *
     * @return this.
     * @throws IllegalArgumentException naming the property that is wrong.
     */
    public AggregatorContext conclude()
    {
        if (stragglerTimeoutMs < 10)
        {
            throw new IllegalArgumentException(STRAGGLER_TIMEOUT_PROP + "=" + stragglerTimeoutMs + ": use at least 10");
        }
        if (maxJobs < 1)
        {
            throw new IllegalArgumentException(MAX_JOBS_PROP + "=" + maxJobs + ": use at least 1");
        }
        transportContext.conclude();
        return this;
    }

    /** @return see {@link #LISTEN_PROP}. */
    public String listen()
    {
        return listen;
    }

    /**
     * @param hostPort see {@link #LISTEN_PROP}.
     * @return this.
     */
    public AggregatorContext listen(final String hostPort)
    {
        this.listen = hostPort;
        return this;
    }

    /** @return see {@link #TRANSPORT_PROP}. */
    public String transport()
    {
        return transport;
    }

    /**
     * @param provider see {@link #TRANSPORT_PROP}.
     * @return this.
     */
    public AggregatorContext transport(final String provider)
    {
        this.transport = provider;
        return this;
    }

    /** @return see {@link #STRAGGLER_TIMEOUT_PROP}. */
    public long stragglerTimeoutMs()
    {
        return stragglerTimeoutMs;
    }

    /**
     * @param ms see {@link #STRAGGLER_TIMEOUT_PROP}.
     * @return this.
     */
    public AggregatorContext stragglerTimeoutMs(final long ms)
    {
        this.stragglerTimeoutMs = ms;
        return this;
    }

    /** @return true for one thread per agent, see {@link #THREADING_PROP}. */
    public boolean dedicatedThreads()
    {
        return dedicatedThreads;
    }

    /**
     * @param dedicated see {@link #THREADING_PROP}.
     * @return this.
     */
    public AggregatorContext dedicatedThreads(final boolean dedicated)
    {
        this.dedicatedThreads = dedicated;
        return this;
    }

    /** @return true when the daemon's threads never give their cores up, see {@link #IDLE_PROP}. */
    public boolean busySpin()
    {
        return busySpin;
    }

    /**
     * @param spin see {@link #IDLE_PROP}.
     * @return this.
     */
    public AggregatorContext busySpin(final boolean spin)
    {
        this.busySpin = spin;
        return this;
    }

    /** @return see {@link #STORE_LISTEN_PROP}; empty when no store is served. */
    public String storeListen()
    {
        return storeListen;
    }

    /**
     * @param hostPort see {@link #STORE_LISTEN_PROP}.
     * @return this.
     */
    public AggregatorContext storeListen(final String hostPort)
    {
        this.storeListen = hostPort;
        return this;
    }

    /** @return see {@link #METRICS_LISTEN_PROP}; empty when no metrics are served. */
    public String metricsListen()
    {
        return metricsListen;
    }

    /**
     * @param hostPort see {@link #METRICS_LISTEN_PROP}.
     * @return this.
     */
    public AggregatorContext metricsListen(final String hostPort)
    {
        this.metricsListen = hostPort;
        return this;
    }

    /** @return see {@link #STANDBY_PROP}. */
    public boolean standby()
    {
        return standby;
    }

    /**
     * @param on whether this daemon is a standby ({@link #STANDBY_PROP}).
     * @return this.
     */
    public AggregatorContext standby(final boolean on)
    {
        this.standby = on;
        return this;
    }

    /** @return see {@link #MAX_JOBS_PROP}. */
    public int maxJobs()
    {
        return maxJobs;
    }

    /** @return the transport's configuration. */
    public TransportContext transportContext()
    {
        return transportContext;
    }

    /**
     * @param context the transport's configuration.
     * @return this.
     */
    public AggregatorContext transportContext(final TransportContext context)
    {
        this.transportContext = context;
        return this;
    }
}
