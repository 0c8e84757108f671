package io.fusewire.transport.verbs;

import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import io.fusewire.transport.support.AbstractConnection;
import io.fusewire.transport.support.Handshake;
import io.fusewire.transport.support.Hello;
import io.fusewire.transport.support.SocketDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One RDMA device, opened: its verbs context and protection domain, port 1 and the GID its queue
 * pairs are addressed by. Regions are page-aligned off-heap memory registered with the device
 * (the peer writes into them with RDMA writes, no copy on either side). A connection's handshake
 * runs over a TCP socket as for the other providers and carries each side's queue pair address;
 * the queue pairs are then brought to RTS towards each other and the socket stays open only to
 * notice the peer's process ending.
 */
final class VerbsDevice extends SocketDevice
{
    /** The port every queue pair uses. */
    static final int PORT = 1;
    private static final long PAGE = 4096;
    private static final int EXTRA_SENDS = 2;

    private final MemorySegment verbsContext;
    private final MemorySegment pd;
    private final int lid;
    private final int mtu;
    private final int gidTableLength;
    private final Gid defaultGid;
    private boolean closed;

    private VerbsDevice(final TransportContext transport, final String name, final MemorySegment context, final MemorySegment pd,
        final MemorySegment port, final Gid defaultGid)
    {
        super(transport, "verbs", name);
        this.verbsContext = context;
        this.pd = pd;
        this.mtu = port.getAtIndex(ValueLayout.JAVA_INT, 1);
        this.lid = port.getAtIndex(ValueLayout.JAVA_INT, 2);
        this.gidTableLength = port.getAtIndex(ValueLayout.JAVA_INT, 4);
        this.defaultGid = defaultGid;
    }

    /**
     * @param context the configuration.
     * @throws TransportException if a connection's message slots would not fit in one buffer.
     */
    static void checkSlots(final TransportContext context)
    {
        if ((2L * context.sendQueueDepth() + EXTRA_SENDS) * context.maxMessageLength() > Integer.MAX_VALUE)
        {
            throw new TransportException("verbs message slots of " + TransportContext.SEND_QUEUE_DEPTH_PROP + "="
                + context.sendQueueDepth() + " x " + TransportContext.MAX_MESSAGE_LENGTH_PROP + "=" + context.maxMessageLength()
                + " exceed 2 GiB per connection: lower one of them");
        }
    }

    static VerbsDevice open(final TransportContext transport, final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errno = Ibv.errnoSegment(arena);
            final MemorySegment context = VerbsFabric.withDevice(name, device -> Ibv.openDevice(errno, device));
            if (context.equals(MemorySegment.NULL))
            {
                throw new TransportException("cannot open RDMA device " + name + ": " + Ibv.errnoText(errno)
                    + " (is ib_uverbs loaded and /dev/infiniband readable by this user?)");
            }
            try
            {
                final MemorySegment port = arena.allocate(ValueLayout.JAVA_INT, 5);
                final int rc = Ibv.portInfo(context, PORT, port);
                if (rc != 0)
                {
                    throw new TransportException("cannot query port " + PORT + " of " + name + ": " + Ibv.strerror(rc));
                }
                final int state = port.getAtIndex(ValueLayout.JAVA_INT, 0);
                if (state != Ibv.PORT_ACTIVE)
                {
                    throw new TransportException("port " + PORT + " of RDMA device " + name + " is not active (state " + state
                        + "): check the link (ibv_devinfo -d " + name + "; for soft-RoCE, that its netdev is up)");
                }
                final boolean ethernet = port.getAtIndex(ValueLayout.JAVA_INT, 3) == Ibv.LINK_LAYER_ETHERNET;
                final MemorySegment gid = arena.allocate(16);
                final int gidIndex = Ibv.pickGid(context, PORT, port.getAtIndex(ValueLayout.JAVA_INT, 4), ethernet, gid);
                if (gidIndex < 0 && ethernet)
                {
                    throw new TransportException("RDMA device " + name + " has no GID on port " + PORT
                        + ": give its network interface an IP address");
                }
                final MemorySegment pd = Ibv.allocPd(errno, context);
                if (pd.equals(MemorySegment.NULL))
                {
                    throw new TransportException("ibv_alloc_pd on " + name + " failed: " + Ibv.errnoText(errno));
                }
                return new VerbsDevice(transport, name, context, pd, port, new Gid(gidIndex, gid.toArray(ValueLayout.JAVA_BYTE)));
            }
            catch (final RuntimeException ex)
            {
                Ibv.closeDevice(context);
                throw ex;
            }
        }
    }

    @Override
    protected MemoryRegion allocateRegion(final long length)
    {
        final Arena arena = Arena.ofShared();
        try
        {
            return registerWith(arena.allocate(length, PAGE), arena::close);
        }
        catch (final RuntimeException ex)
        {
            arena.close();
            throw ex;
        }
    }

    @Override
    protected MemoryRegion registerRegion(final MemorySegment memory)
    {
        return registerWith(memory, () -> { });
    }

    /** ibv_reg_mr for local writes and remote writes; the region's close deregisters, then frees. */
    private MemoryRegion registerWith(final MemorySegment memory, final Runnable free)
    {
        final MemorySegment mr;
        final String failure;
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment errno = Ibv.errnoSegment(scratch);
            mr = Ibv.regMr(errno, pd, memory, Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE);
            failure = mr.equals(MemorySegment.NULL) ? Ibv.errnoText(errno) : null;
        }
        if (failure != null)
        {
            throw new TransportException("cannot register " + memory.byteSize() + " bytes at 0x" + Long.toHexString(memory.address())
                + " with " + name() + " (ibv_reg_mr: " + failure + "); if this is ENOMEM, raise the locked-memory limit"
                + " (ulimit -l unlimited)");
        }
        final MemorySegment fields = mr.reinterpret(Math.max(VerbsLayout.MR_LKEY, VerbsLayout.MR_RKEY) + 4);
        return new MemoryRegion(fields.get(ValueLayout.JAVA_INT, VerbsLayout.MR_RKEY),
            fields.get(ValueLayout.JAVA_INT, VerbsLayout.MR_LKEY), memory, "", () ->
            {
                Ibv.deregMr(mr);
                free.run();
            });
    }

    @Override
    protected AbstractConnection establish(final Handshake handshake) throws IOException
    {
        final int depth = context.sendQueueDepth();
        final Gid gid = gidFor(((InetSocketAddress)handshake.channel().getLocalAddress()).getAddress());
        final VerbsQueuePair qp = new VerbsQueuePair(this, gid, depth, depth + EXTRA_SENDS, context.maxMessageLength(), EXTRA_SENDS);
        try
        {
            final Hello remote = handshake.exchange(provider(), (exposed, data) ->
                Hello.of(provider(), context.maxMessageLength(), exposed, qp.address().encode(), data));
            qp.connect(QueuePairAddress.decode(remote.endpoint()), context.verbsAckTimeout());
            handshake.confirm();
            return new VerbsConnection(context, handshake.peer(), remote, qp, handshake.channel());
        }
        catch (final IOException | RuntimeException ex)
        {
            qp.close();
            throw ex;
        }
    }

    /**
     * Closes what the device made, then its protection domain and context.
     *
     * @throws TransportException if a verbs object outlived the close (the protection domain was
     *     still in use): a leak, named so that it is fixed rather than carried.
     */
    @Override
    public synchronized void close()
    {
        super.close();
        if (!closed)
        {
            closed = true;
            final int rc = Ibv.deallocPd(pd);
            Ibv.closeDevice(verbsContext);
            if (rc != 0)
            {
                throw new TransportException("closing RDMA device " + name() + " leaked verbs objects: ibv_dealloc_pd: "
                    + Ibv.strerror(rc) + " (a region or queue pair was not released with its device)");
            }
        }
    }

    MemorySegment verbsContext()
    {
        return verbsContext;
    }

    MemorySegment pd()
    {
        return pd;
    }

    int lid()
    {
        return lid;
    }

    int mtu()
    {
        return mtu;
    }

    /**
     * The GID for a connection whose handshake socket is bound to {@code local}: that address's own
     * GID when the port has it (the right one on a port with several addresses or VLANs), else the
     * port's default (its first IPv4-mapped GID on RoCE, entry 0 on InfiniBand).
     */
    private Gid gidFor(final InetAddress local)
    {
        if (local.isLoopbackAddress() || local.isAnyLocalAddress())
        {
            return defaultGid;
        }
        final byte[] wanted = new byte[16];
        final byte[] ip = local.getAddress();
        if (local instanceof Inet4Address)
        {
            wanted[10] = (byte)0xff;
            wanted[11] = (byte)0xff;
        }
        System.arraycopy(ip, 0, wanted, 16 - ip.length, ip.length);
        try (Arena arena = Arena.ofConfined())
        {
            final int index = Ibv.findGid(verbsContext, PORT, gidTableLength, arena.allocate(16).copyFrom(MemorySegment.ofArray(wanted)));
            return index >= 0 ? new Gid(index, wanted) : defaultGid;
        }
    }
}
