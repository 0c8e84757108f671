package io.fusewire.topology.store;

import io.fusewire.topology.Hmac;
import io.fusewire.transport.ConfigValues;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves each job's {@link StoreMap} over TCP, one platform thread per client (a store has a client
 * per worker of each job; platform threads keep its replies independent of the virtual-thread
 * scheduler of whatever JVM hosts it), at most {@link #MAX_CLIENTS} at once and
 * {@link #MAX_CLIENTS_PER_PEER} from one address: a further client is told so and closed. A client
 * must prove its job's secret within {@link #AUTH_TIMEOUT_PROP} ({@link StoreProtocol}) and then sees
 * only its job's keys; one that does not, or proves another secret than the job's first client, is
 * refused, logged and counted ({@link #refusedClients()}). A client that breaks the protocol gets an
 * error and loses its connection; the others go on. Served by the aggregator daemon, or on its own.
 */
public final class StoreServer implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.topology");
    private static final int IDLE_TIMEOUT_MS = 600_000;
    /** Clients served at once. */
    public static final int MAX_CLIENTS = 1024;
    /** Clients served at once from one address. */
    public static final int MAX_CLIENTS_PER_PEER = 256;
    /**
     * How long a client has to prove its job's secret, in milliseconds: the bound on a client that
     * holds one of the store's threads without proving anything. Raise it only where a real client
     * cannot answer sooner (an emulated guest starting several JVMs at once).
     */
    public static final String AUTH_TIMEOUT_PROP = "fusewire.store.auth.timeout.ms";
    /** Default for {@link #AUTH_TIMEOUT_PROP}. */
    public static final int AUTH_TIMEOUT_MS = 5_000;
    /** Jobs whose keys the store holds at once. */
    static final int MAX_JOBS = 4096;
    private static final int MAX_KEYS_PER_JOB = 100_000;
    private static final int MAX_REFUSALS = 8;
    private static final long REFUSAL_LINGER_MS = 1_000;

    private final ServerSocket server;
    private final Map<Long, Namespace> jobs = new ConcurrentHashMap<>();
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final Map<InetAddress, Integer> perPeer = new ConcurrentHashMap<>();
    private final AtomicInteger refusals = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final int maxClients;
    private final long authTimeoutMs;
    private final int maxPerPeer;
    private volatile Runnable onRefusal = () -> { };
    private volatile boolean closed;

    /**
     * A job's keys, the verifier its clients prove, and how many are connected and since when it has
     * none: a namespace without clients for {@link #IDLE_TIMEOUT_MS} may give way to a new job when the
     * store is full, or to the same job id with another secret (a job run again).
     */
    private static final class Namespace
    {
        final byte[] verifier;
        final StoreMap map = new StoreMap(MAX_KEYS_PER_JOB);
        final AtomicInteger clients = new AtomicInteger();
        volatile long idleSinceNs = System.nanoTime();

        Namespace(final byte[] verifier)
        {
            this.verifier = verifier;
        }

        boolean expired(final long nowNs)
        {
            return clients.get() == 0 && nowNs - idleSinceNs > TimeUnit.MILLISECONDS.toNanos(IDLE_TIMEOUT_MS);
        }

        void left()
        {
            idleSinceNs = System.nanoTime();
            clients.decrementAndGet();
        }
    }

    /**
     * @param host where to listen.
     * @param port the port, 0 for any.
     * @throws IOException if the port cannot be bound.
     */
    public StoreServer(final String host, final int port) throws IOException
    {
        this(host, port, MAX_CLIENTS, MAX_CLIENTS_PER_PEER);
    }

    /**
     * As above, serving at most {@code maxClients} at once, {@code maxPerPeer} of them from one address.
     *
     * @throws IllegalArgumentException if {@link #AUTH_TIMEOUT_PROP} is not a positive whole number.
     */
    StoreServer(final String host, final int port, final int maxClients, final int maxPerPeer) throws IOException
    {
        this.authTimeoutMs = ConfigValues.longValue(System.getProperties(), AUTH_TIMEOUT_PROP, AUTH_TIMEOUT_MS);
        if (authTimeoutMs < 1)
        {
            throw new IllegalArgumentException(AUTH_TIMEOUT_PROP + "=" + authTimeoutMs + " must be at least 1 (default "
                + AUTH_TIMEOUT_MS + ")");
        }
        this.maxClients = maxClients;
        this.maxPerPeer = maxPerPeer;
        server = new ServerSocket();
        try
        {
            server.bind(new InetSocketAddress(host, port), 128);
        }
        catch (final IOException ex)
        {
            server.close();
            throw ex;
        }
        Thread.ofPlatform().daemon().name("fusewire-store-" + port).start(this::acceptLoop);
    }

    /** @return clients refused so far: no proof in time, a wrong secret, or too many connections. */
    public long refusedClients()
    {
        return refused.get();
    }

    /** @param listener told of each refusal (a daemon's counter). */
    public void onRefusal(final Runnable listener)
    {
        onRefusal = listener;
    }

    /** @return host:port clients connect to. */
    public String address()
    {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** Stops accepting and closes every client's connection, which ends its thread. */
    @Override
    public void close()
    {
        closed = true;
        try
        {
            server.close();
        }
        catch (final IOException ignore)
        {
            // nothing more to release
        }
        clients.forEach(StoreServer::closeQuietly);
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            try
            {
                final Socket client = server.accept();
                final InetAddress peer = client.getInetAddress();
                if (clients.size() >= maxClients)
                {
                    refuse(client, "this store serves " + maxClients + " clients already; close some or use another store");
                    continue;
                }
                if (perPeer.merge(peer, 1, Integer::sum) > maxPerPeer)
                {
                    release(peer);
                    refuse(client, "this store serves " + maxPerPeer + " clients from " + peer.getHostAddress()
                        + " already; close some");
                    continue;
                }
                clients.add(client);
                Thread.ofPlatform().daemon().name("fusewire-store-client").start(() ->
                {
                    try
                    {
                        serve(client);
                    }
                    finally
                    {
                        clients.remove(client);
                        release(peer);
                    }
                });
            }
            catch (final IOException ex)
            {
                if (!closed)
                {
                    LOG.log(System.Logger.Level.WARNING, "store: accept failed: " + ex.getMessage());
                }
            }
        }
    }

    /**
     * Counts, says why and closes, on a thread of its own (at most {@link #MAX_REFUSALS} at once; beyond
     * that the client is closed unanswered): after the reason, reads what the client sent until it
     * closes or a second has passed, so that closing does not reset the reason away.
     */
    private void refuse(final Socket client, final String reason)
    {
        counted(client, reason);
        if (refusals.incrementAndGet() > MAX_REFUSALS)
        {
            refusals.decrementAndGet();
            closeQuietly(client);
            return;
        }
        Thread.ofPlatform().daemon().name("fusewire-store-refusal").start(() ->
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFUSAL_LINGER_MS);
            try (client)
            {
                error(new DataOutputStream(client.getOutputStream()), reason);
                client.shutdownOutput();
                final byte[] discard = new byte[1024];
                long left;
                while ((left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) > 0)
                {
                    client.setSoTimeout((int)left);
                    if (client.getInputStream().read(discard) < 0)
                    {
                        return;
                    }
                }
            }
            catch (final IOException ex)
            {
                // gone, or silent until the deadline: closed either way
            }
            finally
            {
                refusals.decrementAndGet();
            }
        });
    }

    private void release(final InetAddress peer)
    {
        perPeer.computeIfPresent(peer, (address, count) -> count == 1 ? null : count - 1);
    }

    private void counted(final Socket client, final String reason)
    {
        refused.incrementAndGet();
        onRefusal.run();
        LOG.log(System.Logger.Level.WARNING, "store: refused " + client.getRemoteSocketAddress() + ": " + reason);
    }

    private static void closeQuietly(final Socket socket)
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // nothing more to release
        }
    }

    private void serve(final Socket client)
    {
        try (client)
        {
            final DataOutputStream out = new DataOutputStream(new BufferedOutputStream(client.getOutputStream()));
            final Namespace namespace = authenticate(client, out);
            if (namespace == null)
            {
                return;
            }
            try
            {
                client.setSoTimeout(IDLE_TIMEOUT_MS);
                final DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream()));
                int op;
                while (!closed && (op = in.read()) >= 0 && answer(namespace.map, op, in, out))
                {
                    out.flush();
                }
            }
            finally
            {
                namespace.left();
            }
        }
        catch (final SocketTimeoutException ex)
        {
            // an idle client let go
        }
        catch (final EOFException | SocketException ex)
        {
            // the client went away
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "store: dropped client " + client.getRemoteSocketAddress() + ": " + ex.getMessage());
        }
    }

    /**
     * The handshake of {@link StoreProtocol}, all of it within {@link #AUTH_TIMEOUT_PROP} however slowly
     * the client sends.
     *
     * @return the client's job's namespace, counting it as connected; null if it was refused (told why,
     *         counted) or went away first.
     */
    private Namespace authenticate(final Socket client, final DataOutputStream out) throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(authTimeoutMs);
        final byte[] challenge = Hmac.challenge();
        out.writeByte(StoreProtocol.OK);
        out.write(challenge);
        out.flush();
        final ByteBuffer hello = ByteBuffer.allocate(Long.BYTES + Hmac.BYTES);
        final Namespace namespace;
        try
        {
            readFully(client, hello.array(), deadline);
            final long job = hello.getLong();
            final Namespace known = jobs.get(job);
            if (known == null || known.expired(System.nanoTime()))
            {
                out.writeByte(StoreProtocol.UNKNOWN_JOB);
                out.flush();
                final byte[] verifier = new byte[Hmac.BYTES];
                readFully(client, verifier, deadline);
                namespace = claim(job, verifier);
                if (namespace == null)
                {
                    return refused(client, out, "this store holds the keys of " + MAX_JOBS + " jobs in use; use another store");
                }
            }
            else
            {
                namespace = known;
                namespace.clients.incrementAndGet();
            }
            if (!Hmac.verify(namespace.verifier, challenge, Arrays.copyOfRange(hello.array(), Long.BYTES, hello.capacity())))
            {
                namespace.left();
                return refused(client, out, "wrong secret for job " + job + ": this store holds job " + job + "'s keys for the"
                    + " secret of its first client (give every process of the job the same FUSEWIRE_JOB_SECRET)");
            }
        }
        catch (final SocketTimeoutException ex)
        {
            counted(client, "no proof of a job's secret within " + authTimeoutMs + " ms (" + AUTH_TIMEOUT_PROP + ")");
            return null;
        }
        catch (final EOFException ex)
        {
            return null; // went away before proving anything (a port check): nothing to refuse
        }
        out.writeByte(StoreProtocol.OK);
        out.flush();
        return namespace;
    }

    /**
     * @return the job's namespace for a client that gave its verifier, counted as connected: the one in
     *         place if another client made it meanwhile, else a new one (replacing an expired one, or, when
     *         the store is full, once expired jobs gave way); null if the store is full of jobs in use.
     */
    private synchronized Namespace claim(final long job, final byte[] verifier)
    {
        final long now = System.nanoTime();
        final Namespace current = jobs.get(job);
        if (current != null && !current.expired(now))
        {
            current.clients.incrementAndGet();
            return current;
        }
        if (current == null && jobs.size() >= MAX_JOBS)
        {
            jobs.values().removeIf(namespace -> namespace.expired(now));
            if (jobs.size() >= MAX_JOBS)
            {
                return null;
            }
        }
        final Namespace made = new Namespace(verifier);
        made.clients.incrementAndGet();
        jobs.put(job, made);
        return made;
    }

    private Namespace refused(final Socket client, final DataOutputStream out, final String reason) throws IOException
    {
        counted(client, reason);
        error(out, reason);
        return null;
    }

    /** Reads all of {@code bytes} from the client's socket by the deadline, however it trickles in. */
    private static void readFully(final Socket client, final byte[] bytes, final long deadline) throws IOException
    {
        final InputStream in = client.getInputStream();
        int at = 0;
        while (at < bytes.length)
        {
            final long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0)
            {
                throw new SocketTimeoutException("handshake past its bound");
            }
            client.setSoTimeout((int)left);
            final int read = in.read(bytes, at, bytes.length - at);
            if (read < 0)
            {
                throw new EOFException("closed in its handshake");
            }
            at += read;
        }
    }

    /** @return false when the connection must close. */
    private boolean answer(final StoreMap map, final int op, final DataInputStream in, final DataOutputStream out) throws IOException
    {
        if (op < StoreProtocol.SET || op > StoreProtocol.CHECK)
        {
            error(out, "unknown store request " + op + ": is this a Fusewire store client?");
            return false;
        }
        final String key = in.readUTF();
        try
        {
            switch (op)
            {
                case StoreProtocol.SET ->
                {
                    final int length = in.readInt();
                    if (length < 0 || length > Store.MAX_VALUE)
                    {
                        error(out, "value of " + length + " bytes for key '" + key + "': at most " + Store.MAX_VALUE);
                        return false;
                    }
                    final byte[] value = new byte[length];
                    in.readFully(value);
                    map.set(key, value);
                    out.writeByte(StoreProtocol.OK);
                }
                case StoreProtocol.GET ->
                {
                    // a wait the client asks for, up to the idle bound: no client holds a thread longer
                    final byte[] value = map.get(key, Duration.ofMillis(Math.clamp(in.readLong(), 0, IDLE_TIMEOUT_MS)));
                    out.writeByte(StoreProtocol.OK);
                    out.writeInt(value.length);
                    out.write(value);
                }
                case StoreProtocol.ADD ->
                {
                    final long value = map.add(key, in.readLong());
                    out.writeByte(StoreProtocol.OK);
                    out.writeLong(value);
                }
                default ->
                {
                    out.writeByte(StoreProtocol.OK);
                    out.writeBoolean(map.check(key));
                }
            }
            return true;
        }
        catch (final TimeoutException ex)
        {
            out.writeByte(StoreProtocol.TIMEOUT);
            out.writeUTF(ex.getMessage());
            return true;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (final RuntimeException ex)
        {
            error(out, ex.getMessage());
            return true;
        }
    }

    private static void error(final DataOutputStream out, final String reason) throws IOException
    {
        out.writeByte(StoreProtocol.ERROR);
        out.writeUTF(reason);
        out.flush();
    }
}
