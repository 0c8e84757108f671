package io.fusewire.transport.support;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.Connection;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.RemoteRegion;
import io.fusewire.transport.Status;
import io.fusewire.transport.TransportContext;
import java.util.List;
import org.agrona.DirectBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What every provider's connection shares: the send queue, the connection's life cycle, and
 * liveness. Liveness is checked once per heartbeat interval, off the data path: a connection that
 * sent nothing in an interval sends a heartbeat, and one that heard nothing from its peer for the
 * peer timeout ends with {@link Status#PEER_LOST}.
 *
 * <pre>
 *   CONNECTED --(peer closed, peer lost, protocol error)--&gt; ENDING --(completions handed over,
 *       |                                                              DISCONNECTED reported)--&gt; ENDED
 *       +--(close())--&gt; CLOSED
 * </pre>
 */
public abstract class AbstractConnection implements Connection, Progressable
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.transport");
    private static final int CONNECTED = 0;
    private static final int ENDING = 1;
    private static final int ENDED = 2;
    private static final int CLOSED = 3;

    /** The send queue; providers post to it and acknowledge it. */
    protected final SendQueue sendQueue;
    private final int maxMessageLength;
    private final List<RemoteRegion> remoteRegions;
    private final byte[] peerData;
    private final String peer;
    private final long peerTimeoutNs;
    private final long heartbeatIntervalNs;
    private long nextHousekeepingNs;
    private long lastHeardNs;
    private boolean heard;
    private boolean sent;
    private boolean moved;
    private int state = CONNECTED;
    private int endStatus;
    private String endReason;

    /**
     * @param context       the configuration.
     * @param peer          the peer, for messages.
     * @param remote  the peer's hello: its regions, message limit and private data.
     */
    protected AbstractConnection(final TransportContext context, final String peer, final Hello remote)
    {
        this.sendQueue = new SendQueue(context.sendQueueDepth(), context.verifySources());
        this.maxMessageLength = Math.min(context.maxMessageLength(), remote.maxMessageLength());
        this.peer = peer;
        this.remoteRegions = List.copyOf(remote.regions());
        this.peerData = remote.privateData().clone();
        this.peerTimeoutNs = TimeUnit.MILLISECONDS.toNanos(context.peerTimeoutMs());
        this.heartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(context.heartbeatIntervalMs());
        final long now = System.nanoTime();
        this.lastHeardNs = now;
        this.nextHousekeepingNs = now + heartbeatIntervalNs;
    }

    /**
     * Moves bytes and hands over completions of what the peer did. Called only while connected.
     *
     * @param nowNs      the poll's time.
     * @param completion the flyweight.
     * @param handler    the caller's handler.
     * @param budget     most completions to hand over.
     * @return completions handed over.
     */
    protected abstract int progressIo(long nowNs, Completion completion, CompletionHandler handler, int budget);

    /**
     * Posts a write whose local side {@link #write} checked: connected, within the local region, room
     * in the send queue.
     *
     * @return a {@link PostResult} code.
     */
    protected abstract int postWrite(MemoryRegion local, long localOffset, int length, RemoteRegion remote, long remoteOffset,
        int immediate, long wrId);

    /**
     * Posts a send {@link #send} checked: connected, within the message limit, room in the send queue.
     *
     * @return a {@link PostResult} code.
     */
    protected abstract int postSend(DirectBuffer message, int offset, int length, long wrId);

    /** Sends a heartbeat; called when nothing was sent for a heartbeat interval. */
    protected abstract void sendHeartbeat();

    /** Checks for a peer that went away between heartbeats (a closed socket); may call {@link #end}. */
    protected abstract void checkPeer();

    /**
     * Tells the peer this side is closing, best effort, after what was posted: shm at once, tcp
     * after flushing the posted frames (at most 1 s), verbs once the CLOSE send completes (at most 2 s).
     */
    protected abstract void sendClose();

    /** Frees sockets, mappings and buffers. Called once. */
    protected abstract void releaseIo();

    /** Frees what stays usable after the connection ended until it is closed (shm's mapped peer regions). Called once, at close. */
    protected void releaseRetained()
    {
    }

    @Override
    public final int write(final MemoryRegion local, final long localOffset, final int length, final RemoteRegion remote,
        final long remoteOffset, final int immediate, final long wrId)
    {
        final int check = checkPost(local, localOffset, length);
        return check != PostResult.OK ? check : postWrite(local, localOffset, length, remote, remoteOffset, immediate, wrId);
    }

    @Override
    public final int send(final DirectBuffer message, final int offset, final int length, final long wrId)
    {
        final int check = checkSend(length);
        return check != PostResult.OK ? check : postSend(message, offset, length, wrId);
    }

    @Override
    public final int progress(final long nowNs, final Completion completion, final CompletionHandler handler, final int budget)
    {
        if (state >= ENDED)
        {
            return 0;
        }
        int done = sendQueue.drain(this, completion, handler, budget);
        if (state == CONNECTED && done < budget)
        {
            done += progressIo(nowNs, completion, handler, budget - done);
            if (nowNs - nextHousekeepingNs >= 0)
            {
                housekeeping(nowNs);
            }
        }
        if (state == ENDING && done < budget)
        {
            sendQueue.flush();
            done += sendQueue.drain(this, completion, handler, budget - done);
            if (!sendQueue.hasUnreported() && done < budget)
            {
                state = ENDED;
                releaseIo();
                completion.set(this, Opcode.DISCONNECTED, endStatus, 0, 0, 0).reason(endReason);
                handler.onCompletion(completion);
                done++;
            }
        }
        return done;
    }

    @Override
    public final boolean isDone()
    {
        return state >= ENDED;
    }

    @Override
    public final boolean isConnected()
    {
        return state == CONNECTED;
    }

    @Override
    public final List<RemoteRegion> remoteRegions()
    {
        return remoteRegions;
    }

    @Override
    public final byte[] peerData()
    {
        return peerData.clone();
    }

    @Override
    public final int maxMessageLength()
    {
        return maxMessageLength;
    }

    @Override
    public final String peer()
    {
        return peer;
    }

    @Override
    public final void close()
    {
        if (state == CONNECTED)
        {
            sendClose();
        }
        if (state < ENDED)
        {
            releaseIo();
        }
        if (state != CLOSED)
        {
            releaseRetained();
        }
        state = CLOSED;
    }

    @Override
    public String toString()
    {
        return getClass().getSimpleName() + "[" + peer + "]";
    }

    /**
     * Ends the connection; the DISCONNECTED completion follows the flushed work requests.
     *
     * @param status a {@link Status}.
     * @param reason plain words for the operator.
     */
    protected final void end(final int status, final String reason)
    {
        if (state == CONNECTED)
        {
            state = ENDING;
            endStatus = status;
            endReason = reason;
            final System.Logger.Level level = status == Status.SUCCESS ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
            LOG.log(level, "connection to " + peer + " ended, " + Status.name(status) + ": " + reason
                + (status == Status.SUCCESS ? "" : " [" + linkState() + "]"));
        }
    }

    /**
     * This side's view of the link when it ends in a fault, for the operator's log: how much of
     * what it posted the peer never acknowledged. Providers add what they know (a heartbeat stuck).
     *
     * @return plain words.
     */
    protected String linkState()
    {
        final long unacknowledged = sendQueue.posted() - sendQueue.acknowledged();
        return unacknowledged + " posted work request" + (unacknowledged == 1 ? "" : "s") + " unacknowledged, last heard about "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastHeardNs) + " ms ago";
    }

    /** Records that bytes arrived from the peer. */
    protected final void heard()
    {
        heard = true;
        moved = true;
    }

    /** Records that bytes went to the peer. */
    protected final void sent()
    {
        sent = true;
        moved = true;
    }

    @Override
    public final boolean movedBytes()
    {
        final boolean was = moved;
        moved = false;
        return was;
    }

    /**
     * Checks the local side of a post.
     *
     * @param local       source region.
     * @param localOffset first byte.
     * @param length      bytes.
     * @return {@link PostResult#OK} or the code to return.
     */
    private int checkPost(final MemoryRegion local, final long localOffset, final int length)
    {
        if (state != CONNECTED)
        {
            return PostResult.NOT_CONNECTED;
        }
        if (length < 0 || localOffset < 0 || localOffset > local.length() - length)
        {
            return PostResult.INVALID_ARGUMENT;
        }
        return sendQueue.isFull() ? PostResult.BACK_PRESSURED : PostResult.OK;
    }

    /**
     * Whether a write fits the region it names: the one rule every provider refuses writes by,
     * wherever it checks (shm and verbs at the writer, tcp at the receiver).
     *
     * @param regionLength the length of the region with the write's key, or -1 if there is none.
     * @param offset       where in the region the write goes.
     * @param length       bytes.
     * @return 0 if it fits, else {@link Completion#REFUSED_UNKNOWN_REGION} or {@link Completion#REFUSED_OUT_OF_BOUNDS}.
     */
    protected static int refusal(final long regionLength, final long offset, final int length)
    {
        if (regionLength < 0)
        {
            return Completion.REFUSED_UNKNOWN_REGION;
        }
        return offset < 0 || offset > regionLength - length ? Completion.REFUSED_OUT_OF_BOUNDS : 0;
    }

    /**
     * Checks a send before it is posted.
     *
     * @param length the message's bytes.
     * @return {@link PostResult#OK} or the code to return.
     */
    private int checkSend(final int length)
    {
        if (state != CONNECTED)
        {
            return PostResult.NOT_CONNECTED;
        }
        if (length < 0 || length > maxMessageLength)
        {
            return PostResult.INVALID_ARGUMENT;
        }
        return sendQueue.isFull() ? PostResult.BACK_PRESSURED : PostResult.OK;
    }

    private void housekeeping(final long nowNs)
    {
        nextHousekeepingNs = nowNs + heartbeatIntervalNs;
        if (heard)
        {
            heard = false;
            lastHeardNs = nowNs;
        }
        else if (nowNs - lastHeardNs > peerTimeoutNs)
        {
            end(Status.PEER_LOST, "no word from the peer for " + TimeUnit.NANOSECONDS.toMillis(nowNs - lastHeardNs)
                + " ms (" + TransportContext.PEER_TIMEOUT_PROP + "=" + TimeUnit.NANOSECONDS.toMillis(peerTimeoutNs) + ")");
            return;
        }
        if (!sent)
        {
            sendHeartbeat();
        }
        sent = false;
        checkPeer();
    }
}
