package io.fusewire.transport.support;

import io.fusewire.transport.Connection;
import io.fusewire.transport.Listener;
import io.fusewire.transport.TransportException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * Accepts sockets on one thread and runs each handshake on a virtual thread of its own, so that a
 * peer that stalls or sends garbage holds up nobody (each handshake is bounded by the connect
 * timeout). At most {@link #MAX_PENDING} handshakes run at once; sockets beyond that are closed.
 * An established connection joins the completion queue only when {@link #accept()} hands it out,
 * so that nothing it receives is reported before its owner knows it.
 */
final class SocketListener implements Listener
{
    static final int MAX_PENDING = 64;
    private static final System.Logger LOG = System.getLogger("io.fusewire.transport");

    interface Opener
    {
        AbstractConnection open(SocketChannel channel, String address) throws IOException;
    }

    private final ServerSocketChannel server;
    private final String address;
    private final String provider;
    private final Opener opener;
    private final Semaphore pending = new Semaphore(MAX_PENDING);
    private final ConcurrentLinkedQueue<AbstractConnection> established = new ConcurrentLinkedQueue<>();
    private final PollingCompletionQueue queue;
    private volatile boolean closed;

    SocketListener(final InetSocketAddress bind, final String provider, final PollingCompletionQueue queue, final Opener opener)
    {
        this.provider = provider;
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
            if (!pending.tryAcquire())
            {
                LOG.log(System.Logger.Level.WARNING, "listener " + address + ": " + MAX_PENDING
                    + " handshakes already pending, dropping " + remote(channel));
                SocketDevice.closeQuietly(channel);
                continue;
            }
            Thread.ofVirtual().name("fusewire-handshake").start(() -> handshake(channel));
        }
    }

    private void handshake(final SocketChannel channel)
    {
        final String peer = remote(channel);
        try
        {
            final AbstractConnection connection = opener.open(channel, peer);
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
            LOG.log(System.Logger.Level.WARNING, "listener " + address + " (" + provider + "): refused " + peer + ": "
                + ex.getMessage());
        }
        finally
        {
            pending.release();
        }
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
