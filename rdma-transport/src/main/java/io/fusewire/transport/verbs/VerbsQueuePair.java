package io.fusewire.transport.verbs;

import static io.fusewire.transport.verbs.VerbsLayout.RECV_WR_ID;
import static io.fusewire.transport.verbs.VerbsLayout.RECV_WR_NEXT;
import static io.fusewire.transport.verbs.VerbsLayout.RECV_WR_NUM_SGE;
import static io.fusewire.transport.verbs.VerbsLayout.RECV_WR_SG_LIST;
import static io.fusewire.transport.verbs.VerbsLayout.SEND_WR_FLAGS;
import static io.fusewire.transport.verbs.VerbsLayout.SEND_WR_ID;
import static io.fusewire.transport.verbs.VerbsLayout.SEND_WR_IMM;
import static io.fusewire.transport.verbs.VerbsLayout.SEND_WR_NUM_SGE;
import static io.fusewire.transport.verbs.VerbsLayout.SEND_WR_OPCODE;
import static io.fusewire.transport.verbs.VerbsLayout.SEND_WR_REMOTE_ADDR;
import static io.fusewire.transport.verbs.VerbsLayout.SEND_WR_RKEY;
import static io.fusewire.transport.verbs.VerbsLayout.SEND_WR_SG_LIST;
import static io.fusewire.transport.verbs.VerbsLayout.SGE_ADDR;
import static io.fusewire.transport.verbs.VerbsLayout.SGE_LENGTH;
import static io.fusewire.transport.verbs.VerbsLayout.SGE_LKEY;
import static io.fusewire.transport.verbs.VerbsLayout.WC_BYTE_LEN;
import static io.fusewire.transport.verbs.VerbsLayout.WC_ID;
import static io.fusewire.transport.verbs.VerbsLayout.WC_IMM;
import static io.fusewire.transport.verbs.VerbsLayout.WC_OPCODE;
import static io.fusewire.transport.verbs.VerbsLayout.WC_SIZE;
import static io.fusewire.transport.verbs.VerbsLayout.WC_STATUS;

import io.fusewire.transport.TransportException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The verbs objects of one connection and its data path: a completion queue, an RC queue pair,
 * and one registered buffer cut into message slots, laid out as
 *
 * <pre>
 *   +----------------------------+------------------------------+
 *   | send slots: sendDepth x M  | receive slots: recvDepth x M |   M = slot bytes
 *   +----------------------------+------------------------------+
 * </pre>
 *
 * A send copies its message into the slot of its send-queue position; every receive slot is
 * posted at set-up and again once its completion has been handled, the slots of one poll chained
 * into one downcall. The work requests and their scatter entries are built once off-heap and
 * rewritten in place, so a post is a few stores and one downcall. Confined to the thread that
 * polls the connection.
 */
final class VerbsQueuePair implements AutoCloseable
{
    private static final ValueLayout.OfInt BIG_ENDIAN_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Most completions one poll takes, and most receives one repost chains. */
    static final int POLL_BATCH = 16;
    private static final int ENOMEM = 12;
    /** Marks a receive's work request id (sends use ids below it); the low bits are its slot. */
    private static final long RECEIVE = 1L << 62;

    private final Deque<Runnable> release = new ArrayDeque<>();
    private final Arena arena = Arena.ofShared();
    private final VerbsDevice device;
    private final Gid gid;
    private final long cqAddress;
    private final long qpAddress;
    private final MemorySegment qp;
    private final MemorySegment sendWr;
    private final MemorySegment sendSge;
    private final MemorySegment recvWrs;
    private final MemorySegment recvSges;
    private final MemorySegment wcs;
    private final UnsafeBuffer slots;
    private final long slotsAddress;
    private final int slotBytes;
    private final int sendDepth;
    private final int lkey;
    private final int psn = ThreadLocalRandom.current().nextInt(1 << 24);
    private final QueuePairAddress address;
    private boolean closed;

    /**
     * Creates the queue pair in INIT with every receive posted. On failure nothing is left behind.
     *
     * @param device    the device.
     * @param gid       the GID this queue pair is addressed by.
     * @param sendDepth send slots, the send queue's capacity.
     * @param recvDepth receive slots.
     * @param slotBytes bytes per slot, the longest message.
     * @param extraSends send queue entries beyond the slots (heartbeat, close).
     */
    VerbsQueuePair(final VerbsDevice device, final Gid gid, final int sendDepth, final int recvDepth, final int slotBytes,
        final int extraSends)
    {
        this.device = device;
        this.gid = gid;
        this.sendDepth = sendDepth;
        this.slotBytes = slotBytes;
        release.push(arena::close);
        try
        {
            final MemorySegment errno = Ibv.errnoSegment(arena);
            final MemorySegment cq = Ibv.createCq(errno, device.verbsContext(), sendDepth + extraSends + recvDepth);
            check(cq, errno, "ibv_create_cq");
            release.push(() -> Ibv.destroyCq(cq));
            cqAddress = cq.address();
            qp = Ibv.createRcQp(errno, device.pd(), cq, sendDepth + extraSends, recvDepth);
            check(qp, errno, "ibv_create_qp (RC)");
            release.push(() -> Ibv.destroyQp(qp));
            qpAddress = qp.address();
            final int rc = Ibv.qpInit(qp, VerbsDevice.PORT);
            if (rc != 0)
            {
                throw new TransportException("ibv_modify_qp to INIT on " + device.name() + " failed: " + Ibv.strerror(rc));
            }
            final MemorySegment buffer = arena.allocate((long)(sendDepth + recvDepth) * slotBytes, 4096);
            final MemorySegment mr = Ibv.regMr(errno, device.pd(), buffer, Ibv.ACCESS_LOCAL_WRITE);
            check(mr, errno, "ibv_reg_mr (message slots)");
            release.push(() -> Ibv.deregMr(mr));
            lkey = mr.reinterpret(VerbsLayout.MR_LKEY + 4).get(ValueLayout.JAVA_INT, VerbsLayout.MR_LKEY);
            slots = new UnsafeBuffer(buffer.address(), Math.toIntExact(buffer.byteSize()));
            slotsAddress = buffer.address();
            sendWr = arena.allocate(VerbsLayout.SEND_WR_SIZE, 8);
            sendSge = arena.allocate(VerbsLayout.SGE_SIZE, 8);
            sendWr.set(ValueLayout.ADDRESS, SEND_WR_SG_LIST, sendSge);
            sendWr.set(ValueLayout.JAVA_INT, SEND_WR_FLAGS, VerbsLayout.SEND_SIGNALED);
            sendSge.set(ValueLayout.JAVA_INT, SGE_LKEY, lkey);
            recvWrs = arena.allocate(VerbsLayout.RECV_WR_SIZE * POLL_BATCH, 8);
            recvSges = arena.allocate(VerbsLayout.SGE_SIZE * POLL_BATCH, 8);
            for (int i = 0; i < POLL_BATCH; i++)
            {
                recvWrs.set(ValueLayout.ADDRESS, recvWr(i) + RECV_WR_SG_LIST, recvSges.asSlice(i * VerbsLayout.SGE_SIZE));
                recvWrs.set(ValueLayout.JAVA_INT, recvWr(i) + RECV_WR_NUM_SGE, 1);
                recvSges.set(ValueLayout.JAVA_INT, i * VerbsLayout.SGE_SIZE + SGE_LENGTH, slotBytes);
                recvSges.set(ValueLayout.JAVA_INT, i * VerbsLayout.SGE_SIZE + SGE_LKEY, lkey);
                link(i);
            }
            wcs = arena.allocate(VerbsLayout.WC_SIZE * POLL_BATCH, 8);
            final int[] batch = new int[POLL_BATCH];
            for (int slot = 0; slot < recvDepth; slot += POLL_BATCH)
            {
                final int count = Math.min(POLL_BATCH, recvDepth - slot);
                for (int i = 0; i < count; i++)
                {
                    batch[i] = slot + i;
                }
                final int posted = repost(batch, count);
                if (posted != 0)
                {
                    throw new TransportException("ibv_post_recv on " + device.name() + " failed: " + Ibv.strerror(posted));
                }
            }
            address = new QueuePairAddress(qp.reinterpret(VerbsLayout.QP_NUM + 4).get(ValueLayout.JAVA_INT, VerbsLayout.QP_NUM),
                psn, device.lid(), device.mtu(), gid.bytes().clone());
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /** @return what the peer needs to connect its queue pair to this one. */
    QueuePairAddress address()
    {
        return address;
    }

    /**
     * Brings the queue pair to RTS towards the peer's.
     *
     * @param remote     the peer's address.
     * @param ackTimeout the local ACK timeout exponent, see {@link io.fusewire.transport.TransportContext#VERBS_ACK_TIMEOUT_PROP}.
     */
    void connect(final QueuePairAddress remote, final int ackTimeout)
    {
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment remoteGid = scratch.allocate(16).copyFrom(MemorySegment.ofArray(remote.gid()));
            final int rc = Ibv.qpConnect(qp, VerbsDevice.PORT, gid.index(), device.mtu(), remote, remoteGid, psn, ackTimeout);
            if (rc != 0)
            {
                throw new TransportException("ibv_modify_qp to RTR/RTS on " + device.name() + " towards qp " + remote.qpn()
                    + " failed: " + Ibv.strerror(rc));
            }
        }
    }

    /**
     * Posts an RDMA write with immediate.
     *
     * @return 0, or the errno of a refused post.
     */
    int postWrite(final long wrId, final long localAddress, final int length, final int localKey, final long remoteAddress,
        final int remoteKey, final int immediate)
    {
        sendSge.set(ValueLayout.JAVA_LONG, SGE_ADDR, localAddress);
        sendSge.set(ValueLayout.JAVA_INT, SGE_LENGTH, length);
        sendSge.set(ValueLayout.JAVA_INT, SGE_LKEY, localKey);
        sendWr.set(ValueLayout.JAVA_LONG, SEND_WR_REMOTE_ADDR, remoteAddress);
        sendWr.set(ValueLayout.JAVA_INT, SEND_WR_RKEY, remoteKey);
        return post(wrId, VerbsLayout.WR_RDMA_WRITE_WITH_IMM, length, immediate);
    }

    /**
     * Posts a send of what {@link #stage} put into a send slot, or of nothing.
     *
     * @return 0, or the errno of a refused post.
     */
    int postSend(final long wrId, final int slot, final int length, final int immediate)
    {
        sendSge.set(ValueLayout.JAVA_LONG, SGE_ADDR, slotsAddress + (long)slot * slotBytes);
        sendSge.set(ValueLayout.JAVA_INT, SGE_LENGTH, length);
        sendSge.set(ValueLayout.JAVA_INT, SGE_LKEY, lkey);
        return post(wrId, VerbsLayout.WR_SEND_WITH_IMM, length, immediate);
    }

    /** Copies a message into a send slot. */
    void stage(final int slot, final DirectBuffer message, final int offset, final int length)
    {
        slots.putBytes(slot * slotBytes, message, offset, length);
    }

    /**
     * Posts receives again, chained into one downcall.
     *
     * @param slots receive slots whose completions have been handled.
     * @param count how many of {@code slots}, 1 to {@link #POLL_BATCH}.
     * @return 0, or the errno of a refused post.
     */
    int repost(final int[] slots, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            recvWrs.set(ValueLayout.JAVA_LONG, recvWr(i) + RECV_WR_ID, RECEIVE | slots[i]);
            recvSges.set(ValueLayout.JAVA_LONG, i * VerbsLayout.SGE_SIZE + SGE_ADDR,
                slotsAddress + (long)(sendDepth + slots[i]) * slotBytes);
        }
        recvWrs.set(ValueLayout.JAVA_LONG, recvWr(count - 1) + RECV_WR_NEXT, 0L);
        final int rc = Ibv.postRecv(qpAddress, recvWrs);
        link(count - 1);
        return rc;
    }

    /**
     * @param wrId a completion's work request id.
     * @return true if it completes a receive (then its slot is {@code (int)wrId}).
     */
    static boolean isReceive(final long wrId)
    {
        return (wrId & RECEIVE) != 0;
    }

    /** @return the slots buffer, for messages read in place at {@link #receiveOffset}. */
    UnsafeBuffer slots()
    {
        return slots;
    }

    int receiveOffset(final int slot)
    {
        return (sendDepth + slot) * slotBytes;
    }

    /**
     * @param max most completions to take.
     * @return completions now readable through the accessors, or negative if the queue is broken.
     */
    int poll(final int max)
    {
        return Ibv.pollCq(cqAddress, Math.min(max, POLL_BATCH), wcs);
    }

    long wrId(final int i)
    {
        return wcs.get(ValueLayout.JAVA_LONG, i * WC_SIZE + WC_ID);
    }

    int status(final int i)
    {
        return wcs.get(ValueLayout.JAVA_INT, i * WC_SIZE + WC_STATUS);
    }

    int opcode(final int i)
    {
        return wcs.get(ValueLayout.JAVA_INT, i * WC_SIZE + WC_OPCODE);
    }

    int byteLength(final int i)
    {
        return wcs.get(ValueLayout.JAVA_INT, i * WC_SIZE + WC_BYTE_LEN);
    }

    int immediate(final int i)
    {
        return wcs.get(BIG_ENDIAN_INT, i * WC_SIZE + WC_IMM);
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            while (!release.isEmpty())
            {
                release.pop().run();
            }
        }
    }

    private static long recvWr(final int i)
    {
        return i * VerbsLayout.RECV_WR_SIZE;
    }

    /** Points receive request {@code i} at the next one (the last points nowhere). */
    private void link(final int i)
    {
        recvWrs.set(ValueLayout.JAVA_LONG, recvWr(i) + RECV_WR_NEXT, i + 1 < POLL_BATCH ? recvWrs.address() + recvWr(i + 1) : 0L);
    }

    private int post(final long wrId, final int opcode, final int length, final int immediate)
    {
        sendWr.set(ValueLayout.JAVA_LONG, SEND_WR_ID, wrId);
        sendWr.set(ValueLayout.JAVA_INT, SEND_WR_OPCODE, opcode);
        sendWr.set(ValueLayout.JAVA_INT, SEND_WR_NUM_SGE, length == 0 ? 0 : 1);
        sendWr.set(BIG_ENDIAN_INT, SEND_WR_IMM, immediate);
        return Ibv.postSend(qpAddress, sendWr);
    }

    private void check(final MemorySegment made, final MemorySegment errno, final String verb)
    {
        if (made.equals(MemorySegment.NULL))
        {
            throw new TransportException(verb + " on " + device.name() + " failed: " + Ibv.errnoText(errno)
                + (Ibv.errno(errno) == ENOMEM ? " (locked memory limit? see ulimit -l)" : ""));
        }
    }
}
