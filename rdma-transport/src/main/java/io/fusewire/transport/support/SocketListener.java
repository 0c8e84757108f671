package io.fusewire.transport.support;

import io.fusewire.transport.Connection;
import io.fusewire.transport.Listener;
import io.fusewire.transport.TransportException;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Accepts sockets on one thread and runs each handshake on a virtual thread of its own, so that a
 * peer that stalls or sends garbage holds up nobody: each handshake, all of it, is bounded by the
 * connect timeout, however slowly the peer sends (a watchdog closes its socket at the deadline). At
 * most {@link #MAX_PENDING} handshakes run at once, {@link #MAX_PENDING_PER_PEER} from one address, so
 * that one peer cannot hold every slot; sockets beyond that are closed.
 * An established connection joins the completion queue only when {@link #accept()} hands it out,
 * so that nothing it receives is reported before its owner knows it.
 */
final class SocketListener implements Listener
{
    static final int MAX_PENDING = 64;
    static final int MAX_PENDING_PER_PEER = 16;
    private static final System.Logger LOG = System.getLogger("io.fusewire.transport");

    interface Opener
    {
        /**
         * Runs a handshake; once it is through, asks {@code inTime} (true once, if the deadline has not closed
         * the socket first) and otherwise undoes it, the admission's claim included, and throws.
         */
        AbstractConnection open(SocketChannel channel, String address, BooleanSupplier inTime) throws IOException;
    }

    private final ServerSocketChannel server;
    private final String address;
    private final String provider;
    private final Opener opener;
    private final Semaphore pending = new Semaphore(MAX_PENDING);
    private final Map<InetAddress, Integer> pendingPerPeer = new ConcurrentHashMap<>();
    private final long handshakeTimeoutMs;
    private final ConcurrentLinkedQueue<AbstractConnection> established = new ConcurrentLinkedQueue<>();
    private final PollingCompletionQueue queue;
    private volatile boolean closed;

    SocketListener(final InetSocketAddress bind, final String provider, final PollingCompletionQueue queue, final long handshakeTimeoutMs,
        final Opener opener)
    {
        this.provider = provider;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        this.queue = queue;
        this.opener = opener;
        try
        {
            server = ServerSocketChannel.open();
            server.bind(bind, 128);
            address = HostPort.format((InetSocketAddress)server.getLocalAddress());
        }
        catch (final IOException ex)
        {
            throw new TransportException("cannot listen on " + HostPort.format(bind) + " for " + provider + ": "
                + ex.getMessage() + " (is the port taken? use port 0 for any free port)", ex);
        }
        Thread.ofPlatform().daemon().name("fusewire-listen-" + address).start(this::acceptLoop);
    }

    @Override
    public Connection accept()
    {
        final AbstractConnection connection = established.poll();
        if (connection != null)
        {
            queue.join(connection);
        }
        return connection;
    }

    @Override
    public String address()
    {
        return address;
    }

    @Override
    public void close()
    {
        closed = true;
        AbstractConnection unclaimed;
        while ((unclaimed = established.poll()) != null)
        {
            unclaimed.close();
        }
        try
        {
            server.close();
        }
        catch (final IOException ignore)
        {
            // closing a listening socket has nothing to report
        }
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            final SocketChannel channel;
            try
            {
                channel = server.accept();
            }
            catch (final ClosedChannelException ex)
            {
                return;
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "listener " + address + ": accept failed: " + ex.getMessage());
                continue;
            }
            final InetAddress peer = channel.socket().getInetAddress();
            if (pendingPerPeer.merge(peer, 1, Integer::sum) > MAX_PENDING_PER_PEER)
            {
                drop(channel, peer, MAX_PENDING_PER_PEER + " handshakes from " + peer.getHostAddress());
            }
            else if (!pending.tryAcquire())
            {
                drop(channel, peer, MAX_PENDING + " handshakes");
            }
            else
            {
                Thread.ofVirtual().name("fusewire-handshake").start(() -> handshake(channel, peer));
            }
        }
    }

    private void handshake(final SocketChannel channel, final InetAddress peerAddress)
    {
        final String peer = remote(channel);
        // the whole handshake within the bound: the socket's read timeout alone restarts with every byte a slow peer sends
        final AtomicBoolean settled = new AtomicBoolean();
        final Thread watchdog = Thread.ofVirtual().name("fusewire-handshake-deadline").start(() ->
        {
            try
            {
                Thread.sleep(handshakeTimeoutMs);
                if (settled.compareAndSet(false, true))
                {
                    SocketDevice.closeQuietly(channel);
                }
            }
            catch (final InterruptedException ex)
            {
                // settled in time
            }
        });
        try
        {
            final AbstractConnection connection = opener.open(channel, peer, () -> settled.compareAndSet(false, true));
            watchdog.interrupt();
            if (closed)
            {
                connection.close();
            }
            else
            {
                established.add(connection);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // the watchdog settled it first: it closed the socket at the deadline, which is why the handshake failed
            final boolean inTime = settled.compareAndSet(false, true);
            watchdog.interrupt();
            SocketDevice.closeQuietly(channel);
            LOG.log(ex instanceof Handshake.AskedAgain ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                "listener " + address + " (" + provider + "): refused " + peer + ": "
                + (!inTime ? "no complete handshake within " + handshakeTimeoutMs + " ms"
                : ex instanceof EOFException ? "it closed the connection before its hello was whole" : ex.getMessage()));
        }
        finally
        {
            release(peerAddress);
            pending.release();
        }
    }

    private void drop(final SocketChannel channel, final InetAddress peer, final String pendingAlready)
    {
        release(peer);
        LOG.log(System.Logger.Level.WARNING, "listener " + address + ": " + pendingAlready + " already pending, dropping " + remote(channel));
        SocketDevice.closeQuietly(channel);
    }

    private void release(final InetAddress peer)
    {
        pendingPerPeer.computeIfPresent(peer, (address, count) -> count == 1 ? null : count - 1);
    }

    private static String remote(final SocketChannel channel)
    {
        try
        {
            return HostPort.format((InetSocketAddress)channel.getRemoteAddress());
        }
        catch (final IOException | RuntimeException ex)
        {
            return "an unknown peer";
        }
    }
}
