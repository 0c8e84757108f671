package io.fusewire.transport.verbs;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.RemoteRegion;
import io.fusewire.transport.Status;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.support.AbstractConnection;
import io.fusewire.transport.support.Hello;
import io.fusewire.transport.support.PeerWatch;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * A connection over an RC queue pair. Writes are {@code IBV_WR_RDMA_WRITE_WITH_IMM} straight
 * from the local region into the peer's; they arrive at the peer as receive completions carrying
 * the immediate. Control messages, heartbeats and the close are {@code IBV_WR_SEND_WITH_IMM},
 * the immediate saying which. Every work request is signalled; its completion, in order on an RC
 * queue pair, acknowledges the send queue up to it. A write the peer's regions cannot take is
 * refused here, before it reaches the wire, because on RC a remote access error would break the
 * queue pair. An error completion ends the connection, naming the verbs status.
 */
final class VerbsConnection extends AbstractConnection
{
    private static final int MESSAGE = 0;
    private static final int HEARTBEAT = 1;
    private static final int CLOSE = 2;
    /** Work request ids: send-queue sequence numbers stay below this; then the two internal sends. */
    private static final long INTERNAL = 1L << 61;
    private static final long HEARTBEAT_ID = INTERNAL;
    private static final long CLOSE_ID = INTERNAL + 1;
    private static final long CLOSE_DRAIN_MS = 2_000;

    private final Int2ObjectHashMap<RemoteRegion> peerRegions = new Int2ObjectHashMap<>();
    private final VerbsQueuePair qp;
    private final PeerWatch peerWatch;
    private final boolean[] refusedAhead;
    private final int[] reposts = new int[VerbsQueuePair.POLL_BATCH];
    private boolean heartbeatInFlight;

    VerbsConnection(final TransportContext context, final String peer, final Hello remote, final VerbsQueuePair qp,
        final SocketChannel socket)
    {
        super(context, peer, remote);
        for (final RemoteRegion region : remote.regions())
        {
            peerRegions.put(region.key(), region);
        }
        this.qp = qp;
        this.peerWatch = new PeerWatch(socket);
        this.refusedAhead = new boolean[context.sendQueueDepth()];
    }

    @Override
    protected int postWrite(
        final MemoryRegion local,
        final long localOffset,
        final int length,
        final RemoteRegion remote,
        final long remoteOffset,
        final int immediate,
        final long wrId)
    {
        final RemoteRegion target = peerRegions.get(remote.key());
        final int refusal = refusal(target == null ? -1 : target.length(), remoteOffset, length);
        if (refusal != 0)
        {
            refuse(wrId, local, localOffset, length, remote, remoteOffset, refusal);
            return PostResult.OK;
        }
        final long seq = sendQueue.posted();
        final int rc = qp.postWrite(seq, local.segment().address() + localOffset, length, local.localKey(),
            target.address() + remoteOffset, target.key(), immediate);
        if (rc != 0)
        {
            return PostResult.BACK_PRESSURED;
        }
        sendQueue.postWrite(wrId, local, localOffset, length, remote, remoteOffset);
        sent();
        return PostResult.OK;
    }

    @Override
    protected int postSend(final DirectBuffer message, final int offset, final int length, final long wrId)
    {
        final long seq = sendQueue.posted();
        final int slot = sendQueue.slot(seq);
        qp.stage(slot, message, offset, length);
        if (qp.postSend(seq, slot, length, MESSAGE) != 0)
        {
            return PostResult.BACK_PRESSURED;
        }
        sendQueue.postSend(wrId, length);
        sent();
        return PostResult.OK;
    }

    @Override
    protected int progressIo(final long nowNs, final Completion completion, final CompletionHandler handler, final int budget)
    {
        final int polled = qp.poll(budget);
        if (polled < 0)
        {
            end(Status.PROTOCOL_ERROR, "ibv_poll_cq failed on the connection's completion queue");
            return 0;
        }
        if (polled == 0 && peerWatch.peerExited())
        {
            end(Status.PEER_LOST, "the peer process exited without closing the connection");
            return 0;
        }
        int delivered = 0;
        int reposted = 0;
        for (int i = 0; i < polled && isConnected(); i++)
        {
            final long wrId = qp.wrId(i);
            final int status = qp.status(i);
            if (status != Ibv.WC_SUCCESS)
            {
                failed(wrId, status);
            }
            else if (VerbsQueuePair.isReceive(wrId))
            {
                delivered += received(completion, handler, (int)wrId, i);
                reposts[reposted++] = (int)wrId;
            }
            else if (wrId < INTERNAL)
            {
                acknowledge(wrId);
            }
            else if (wrId == HEARTBEAT_ID)
            {
                heartbeatInFlight = false;
            }
        }
        if (reposted > 0 && isConnected())
        {
            final int rc = qp.repost(reposts, reposted);
            if (rc != 0)
            {
                end(Status.PROTOCOL_ERROR, "ibv_post_recv failed: " + Ibv.strerror(rc));
            }
        }
        return delivered;
    }

    @Override
    protected void sendHeartbeat()
    {
        if (!heartbeatInFlight && qp.postSend(HEARTBEAT_ID, 0, 0, HEARTBEAT) == 0)
        {
            heartbeatInFlight = true;
        }
    }

    @Override
    protected String linkState()
    {
        return super.linkState() + (heartbeatInFlight ? ", a heartbeat unacknowledged" : "");
    }

    @Override
    protected void checkPeer()
    {
        peerWatch.check();
    }

    /**
     * Sends the close after everything posted, and waits, bounded, until the peer has it: the
     * queue pair is destroyed right after, which would drop a close still on the wire.
     */
    @Override
    protected void sendClose()
    {
        if (qp.postSend(CLOSE_ID, 0, 0, CLOSE) != 0)
        {
            return;
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_DRAIN_MS);
        while (System.nanoTime() - deadline < 0)
        {
            final int polled = qp.poll(Integer.MAX_VALUE);
            for (int i = 0; i < polled; i++)
            {
                if (qp.wrId(i) == CLOSE_ID || qp.status(i) != Ibv.WC_SUCCESS)
                {
                    return;
                }
            }
            if (polled < 0)
            {
                return;
            }
            Thread.onSpinWait();
        }
    }

    @Override
    protected void releaseIo()
    {
        peerWatch.close();
        qp.close();
    }

    private int received(final Completion completion, final CompletionHandler handler, final int slot, final int i)
    {
        heard();
        int delivered = 0;
        if (qp.opcode(i) == VerbsLayout.WC_RECV_RDMA_WITH_IMM)
        {
            completion.set(this, Opcode.WRITE_IMM, Status.SUCCESS, 0, qp.immediate(i), qp.byteLength(i));
            handler.onCompletion(completion);
            delivered = 1;
        }
        else
        {
            switch (qp.immediate(i))
            {
                case MESSAGE ->
                {
                    final int length = qp.byteLength(i);
                    completion.set(this, Opcode.RECV, Status.SUCCESS, 0, 0, length)
                        .message(qp.slots(), qp.receiveOffset(slot), length);
                    handler.onCompletion(completion);
                    delivered = 1;
                }
                case HEARTBEAT ->
                {
                }
                case CLOSE -> end(Status.SUCCESS, "the peer closed the connection");
                default -> end(Status.PROTOCOL_ERROR, "unknown message type " + qp.immediate(i) + " from the peer");
            }
        }
        return delivered;
    }

    /** Acknowledges a work request done by the NIC, and the locally refused ones right after it. */
    private void acknowledge(final long seq)
    {
        sendQueue.acknowledge(seq + 1);
        for (long next = seq + 1; next < sendQueue.posted() && refusedAhead[sendQueue.slot(next)]; next++)
        {
            refusedAhead[sendQueue.slot(next)] = false;
            sendQueue.acknowledge(next + 1);
        }
    }

    /** A write no region of the peer can take: it completes with the refusal, in its turn. */
    private void refuse(final long wrId, final MemoryRegion local, final long localOffset, final int length, final RemoteRegion remote,
        final long remoteOffset, final int refusal)
    {
        final long seq = sendQueue.postWrite(wrId, local, localOffset, length, remote, remoteOffset);
        sendQueue.refuse(seq, refusal);
        if (sendQueue.acknowledged() == seq)
        {
            sendQueue.acknowledge(seq + 1);
        }
        else
        {
            refusedAhead[sendQueue.slot(seq)] = true;
        }
    }

    /**
     * An error completion: the queue pair is in the error state, so the connection ends, with the
     * Fabric status closest to the verbs one: the peer's NIC refusing an access (a region it
     * deregistered) is {@link Status#REMOTE_ACCESS_ERROR}; retries exhausted or work flushed is
     * {@link Status#PEER_LOST}; anything else is a local fault, {@link Status#PROTOCOL_ERROR}.
     */
    private void failed(final long wrId, final int wcStatus)
    {
        final String what = VerbsQueuePair.isReceive(wrId) ? "a receive" : wrId < INTERNAL ? "work request " + wrId
            : wrId == HEARTBEAT_ID ? "a heartbeat" : "the close";
        final int status;
        final String meaning;
        if (wcStatus == VerbsLayout.WC_REM_ACCESS_ERR)
        {
            status = Status.REMOTE_ACCESS_ERROR;
            meaning = "the peer's NIC refused the access (a region it no longer registers)";
        }
        else if (wcStatus == VerbsLayout.WC_RETRY_EXC_ERR || wcStatus == VerbsLayout.WC_RNR_RETRY_EXC_ERR
            || wcStatus == VerbsLayout.WC_WR_FLUSH_ERR)
        {
            status = Status.PEER_LOST;
            meaning = "the peer is unreachable or its queue pair is gone";
        }
        else
        {
            status = Status.PROTOCOL_ERROR;
            meaning = "a local verbs fault";
        }
        end(status, "the NIC failed " + what + " with " + Ibv.wcStatus(wcStatus) + " (verbs status " + wcStatus + "): " + meaning);
    }
}
