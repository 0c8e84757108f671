package io.fusewire.transport.support;

import io.fusewire.transport.Admission;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Device;
import io.fusewire.transport.Listener;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A device whose connections are set up over a TCP socket, as the {@code shm}, {@code tcp} and
 * {@code verbs} providers do. Providers add how memory is allocated and registered and how a
 * handshaken socket becomes a connection (verbs: a queue pair brought to RTS towards the peer's).
 */
public abstract class SocketDevice implements Device
{
    /** The configuration. */
    protected final TransportContext context;
    private final String provider;
    private final String name;
    private final ConcurrentLinkedQueue<AutoCloseable> owned = new ConcurrentLinkedQueue<>();

    /**
     * @param context  the configuration.
     * @param provider the provider name.
     * @param name     the device name.
     */
    protected SocketDevice(final TransportContext context, final String provider, final String name)
    {
        this.context = context;
        this.provider = provider;
        this.name = name;
    }

    /**
     * Turns a socket whose handshake has begun into a connection: exchange hellos, set up the
     * provider's data path, confirm. On failure the provider cleans up what it made and throws.
     *
     * @param handshake the handshake, with the socket in blocking mode.
     * @return the connection, ready for the data path.
     * @throws IOException naming what went wrong.
     */
    protected abstract AbstractConnection establish(Handshake handshake) throws IOException;

    /**
     * Allocates and registers the memory of a region.
     *
     * @param length bytes, at least 1.
     * @return the region, with its keys.
     */
    protected abstract MemoryRegion allocateRegion(long length);

    /**
     * Registers memory the caller owns; closing the region must leave the memory alone.
     *
     * @param memory native memory, at least one byte.
     * @return the region, with its keys.
     * @throws TransportException if the provider cannot register memory it did not allocate.
     */
    protected abstract MemoryRegion registerRegion(MemorySegment memory);

    /** @return a non-zero random key, for providers whose keys are their own to choose. */
    protected static int randomKey()
    {
        int key;
        do
        {
            key = ThreadLocalRandom.current().nextInt();
        }
        while (key == 0);
        return key;
    }

    @Override
    public final String name()
    {
        return name;
    }

    @Override
    public final String provider()
    {
        return provider;
    }

    @Override
    public final MemoryRegion allocate(final long length)
    {
        if (length <= 0)
        {
            throw new IllegalArgumentException("region length must be positive: " + length);
        }
        return track(allocateRegion(length));
    }

    @Override
    public final MemoryRegion register(final MemorySegment memory)
    {
        if (!memory.isNative() || memory.byteSize() <= 0)
        {
            throw new IllegalArgumentException("only native memory of at least one byte can be registered: " + memory);
        }
        return track(registerRegion(memory));
    }

    /** The device forgets a region once it is closed, so that a long-running daemon does not collect them. */
    private MemoryRegion track(final MemoryRegion provided)
    {
        final MemoryRegion[] region = new MemoryRegion[1];
        region[0] = new MemoryRegion(provided.key(), provided.localKey(), provided.segment(), provided.locator(), () ->
        {
            owned.remove(region[0]);
            provided.close();
        });
        return own(region[0]);
    }

    @Override
    public final CompletionQueue createCompletionQueue()
    {
        return own(new PollingCompletionQueue());
    }

    @Override
    public final Listener listen(final String hostPort, final Admission admission, final CompletionQueue queue)
    {
        final PollingCompletionQueue cq = pollingQueue(queue);
        final long timeoutMs = context.connectTimeoutMs();
        return own(new SocketListener(HostPort.parse(hostPort), provider, cq, timeoutMs,
            (channel, address, inTime) -> open(new Handshake(channel, address, timeoutMs, admission), inTime)));
    }

    @Override
    public final Connection connect(
        final String hostPort,
        final List<MemoryRegion> exposed,
        final CompletionQueue queue,
        final UnaryOperator<byte[]> privateData)
    {
        final List<MemoryRegion> regions = List.copyOf(exposed);
        final PollingCompletionQueue cq = pollingQueue(queue);
        final InetSocketAddress address = HostPort.parse(hostPort);
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(context.connectTimeoutMs());
        long backoffMs = 5;
        while (true)
        {
            SocketChannel channel = null;
            try
            {
                channel = SocketChannel.open();
                final long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
                channel.socket().connect(address, (int)Math.min(Integer.MAX_VALUE, leftMs));
                final AbstractConnection connection = open(new Handshake(channel, hostPort, context.connectTimeoutMs(), regions, privateData),
                    () -> true);
                cq.join(connection);
                return connection;
            }
            catch (final ConnectException ex)
            {
                closeQuietly(channel);
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) - deadlineNs > 0)
                {
                    throw new TransportException("no " + provider + " listener at " + hostPort + " within "
                        + context.connectTimeoutMs() + " ms (" + ex.getMessage() + "): start the peer first, or raise "
                        + TransportContext.CONNECT_TIMEOUT_PROP, ex);
                }
                sleep(backoffMs);
                backoffMs = Math.min(200, backoffMs * 2);
            }
            catch (final IOException ex)
            {
                closeQuietly(channel);
                throw new TransportException("connecting to " + hostPort + " over " + provider + " failed: " + ex.getMessage(), ex);
            }
        }
    }

    @Override
    public void close()
    {
        AutoCloseable resource;
        while ((resource = owned.poll()) != null)
        {
            try
            {
                resource.close();
            }
            catch (final Exception ignore)
            {
                // closing is best effort; the rest still closes
            }
        }
    }

    /**
     * Runs the handshake; the caller binds the connection to its queue when it hands it out. A
     * connection made after its deadline ({@code inTime} false) is undone as a refused one is: closed,
     * and its admission's claim released, so the peer may try again.
     */
    private AbstractConnection open(final Handshake handshake, final BooleanSupplier inTime) throws IOException
    {
        final SocketChannel channel = handshake.channel();
        final AbstractConnection connection;
        try
        {
            connection = establish(handshake);
        }
        catch (final IOException | RuntimeException ex)
        {
            handshake.refuse(ex.getMessage());
            handshake.abandon();
            closeQuietly(channel);
            throw ex;
        }
        if (!inTime.getAsBoolean())
        {
            connection.close();
            handshake.abandon();
            closeQuietly(channel);
            throw new IOException("made after its deadline");
        }
        channel.configureBlocking(false);
        return connection;
    }

    private <T extends AutoCloseable> T own(final T resource)
    {
        owned.add(resource);
        return resource;
    }

    private PollingCompletionQueue pollingQueue(final CompletionQueue queue)
    {
        if (queue instanceof PollingCompletionQueue cq)
        {
            return cq;
        }
        throw new IllegalArgumentException("the completion queue must come from this device's createCompletionQueue()");
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while connecting", ex);
        }
    }

    /**
     * @param channel a socket or null.
     */
    static void closeQuietly(final SocketChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // nothing more to do
            }
        }
    }
}
