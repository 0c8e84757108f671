package io.fusewire.topology.store;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeoutException;

/**
 * Serves a {@link StoreMap} over TCP, one platform thread per client (a store has a client per
 * worker of each job; platform threads keep its replies independent of the virtual-thread scheduler
 * of whatever JVM hosts it), at most {@link #MAX_CLIENTS} at once: a further client is told so and
 * closed. A client that breaks the protocol gets an error and loses its connection; the others go on.
 * Served by the aggregator daemon, or on its own.
 */
public final class StoreServer implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.topology");
    private static final int IDLE_TIMEOUT_MS = 600_000;
    /** Clients served at once. */
    public static final int MAX_CLIENTS = 1024;

    private final ServerSocket server;
    private final StoreMap map = new StoreMap(100_000);
    private static final int MAX_REFUSALS = 8;
    private static final long REFUSAL_LINGER_MS = 1_000;

    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refusals = new AtomicInteger();
    private final int maxClients;
    private volatile boolean closed;

    /**
     * @param host where to listen.
     * @param port the port, 0 for any.
     * @throws IOException if the port cannot be bound.
     */
    public StoreServer(final String host, final int port) throws IOException
    {
        this(host, port, MAX_CLIENTS);
    }

    /** As above, serving at most {@code maxClients} at once. */
    StoreServer(final String host, final int port, final int maxClients) throws IOException
    {
        this.maxClients = maxClients;
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
                if (clients.size() >= maxClients)
                {
                    refuse(client);
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
     * Says why and closes, on a thread of its own (at most {@link #MAX_REFUSALS} at once; beyond that the
     * client is closed unanswered): after the reason, reads what the client sent until it closes or a
     * second has passed, so that closing does not reset the reason away.
     */
    private void refuse(final Socket client)
    {
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
                error(new DataOutputStream(client.getOutputStream()), "this store serves " + maxClients
                    + " clients already; close some or use another store");
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
            client.setSoTimeout(IDLE_TIMEOUT_MS);
            final DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream()));
            final DataOutputStream out = new DataOutputStream(new BufferedOutputStream(client.getOutputStream()));
            while (!closed)
            {
                final int op = in.read();
                if (op < 0)
                {
                    return;
                }
                if (!answer(op, in, out))
                {
                    return;
                }
                out.flush();
            }
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

    /** @return false when the connection must close. */
    private boolean answer(final int op, final DataInputStream in, final DataOutputStream out) throws IOException
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
                    final byte[] value = map.get(key, Duration.ofMillis(Math.max(0, in.readLong())));
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
