package io.fusewire.transport.shm;

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
import java.lang.foreign.MemorySegment;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

/**
 * A same-host connection: the peer's exposed regions and the ring towards it are mapped into this
 * process, so a write is one copy into the peer's memory plus a {@link ShmRecords#WRITE_IMM}
 * record, and completes at once; a reader may also take the peer's data where it lies
 * ({@link #mapped}). The handshake socket stays open only to notice the peer's death
 * (it closes when the peer's process ends).
 */
final class ShmConnection extends AbstractConnection
{
    private final Int2ObjectHashMap<MemorySegment> peerRegions = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<MemorySegment> readOnlyPeerRegions = new Int2ObjectHashMap<>();
    /** The peer's regions, mapped until close (readable after the peer is gone), then the two rings, unmapped at the end. */
    private final List<MappedFile> mappings;
    private final int regionMappings;
    private final OneToOneRingBuffer toPeer;
    private final OneToOneRingBuffer fromPeer;
    /**
     * A quiet connection reads its handshake socket this often to see whether the peer's process
     * exited (the socket closes with it): one non-blocking read, and a dead aggregator is failed
     * over within this rather than within a heartbeat interval.
     */
    private static final long PEER_CHECK_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private final PeerWatch peerWatch;
    private long nextPeerCheckNs;
    private final MessageHandler onRecord = this::onRecord;
    private Completion completion;
    private CompletionHandler handler;
    private int delivered;

    ShmConnection(
        final TransportContext context,
        final String peer,
        final Hello remote,
        final List<MappedFile> peerRegionFiles,
        final MappedFile inboundRing,
        final MappedFile outboundRing,
        final SocketChannel socket)
    {
        super(context, peer, remote);
        for (int i = 0; i < remote.regions().size(); i++)
        {
            peerRegions.put(remote.regions().get(i).key(), peerRegionFiles.get(i).segment());
            readOnlyPeerRegions.put(remote.regions().get(i).key(), peerRegionFiles.get(i).segment().asReadOnly());
        }
        this.mappings = new ArrayList<>(peerRegionFiles);
        this.regionMappings = peerRegionFiles.size();
        this.mappings.add(inboundRing);
        this.mappings.add(outboundRing);
        this.fromPeer = new OneToOneRingBuffer(ShmDevice.ringBuffer(inboundRing));
        this.toPeer = new OneToOneRingBuffer(ShmDevice.ringBuffer(outboundRing));
        this.peerWatch = new PeerWatch(socket);
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
        final MemorySegment target = peerRegions.get(remote.key());
        final int refusal = refusal(target == null ? -1 : target.byteSize(), remoteOffset, length);
        if (refusal != 0)
        {
            final long seq = sendQueue.postWrite(wrId, local, localOffset, length, remote, remoteOffset);
            sendQueue.refuse(seq, refusal);
            sendQueue.acknowledge(seq + 1);
            return PostResult.OK;
        }
        final int index = toPeer.tryClaim(ShmRecords.WRITE_IMM, ShmRecords.WRITE_IMM_LENGTH);
        if (index < 0)
        {
            return PostResult.BACK_PRESSURED;
        }
        MemorySegment.copy(local.segment(), localOffset, target, remoteOffset, length);
        final var ring = toPeer.buffer();
        ring.putInt(index + ShmRecords.IMMEDIATE_OFFSET, immediate);
        ring.putInt(index + ShmRecords.LENGTH_OFFSET, length);
        toPeer.commit(index);
        final long seq = sendQueue.postWrite(wrId, local, localOffset, length, remote, remoteOffset);
        sendQueue.acknowledge(seq + 1);
        sent();
        return PostResult.OK;
    }

    @Override
    public MemorySegment mapped(final RemoteRegion region)
    {
        return readOnlyPeerRegions.get(region.key());
    }

    @Override
    protected int postSend(final DirectBuffer message, final int offset, final int length, final long wrId)
    {
        if (!toPeer.write(ShmRecords.SEND, message, offset, length))
        {
            return PostResult.BACK_PRESSURED;
        }
        final long seq = sendQueue.postSend(wrId, length);
        sendQueue.acknowledge(seq + 1);
        sent();
        return PostResult.OK;
    }

    @Override
    protected int progressIo(final long nowNs, final Completion completion, final CompletionHandler handler, final int budget)
    {
        this.completion = completion;
        this.handler = handler;
        delivered = 0;
        final int records = fromPeer.read(onRecord, budget);
        if (records > 0)
        {
            heard();
        }
        else if (nowNs - nextPeerCheckNs >= 0)
        {
            nextPeerCheckNs = nowNs + PEER_CHECK_NS;
            peerWatch.check();
        }
        if (records == 0 && peerWatch.peerExited())
        {
            end(Status.PEER_LOST, "the peer process exited without closing the connection");
        }
        return delivered;
    }

    @Override
    protected void sendHeartbeat()
    {
        claimEmpty(ShmRecords.HEARTBEAT);
    }

    @Override
    protected void checkPeer()
    {
        peerWatch.check();
    }

    @Override
    protected void sendClose()
    {
        claimEmpty(ShmRecords.CLOSE);
    }

    @Override
    protected void releaseIo()
    {
        peerWatch.close();
        for (final MappedFile ring : mappings.subList(regionMappings, mappings.size()))
        {
            ring.close();
        }
    }

    @Override
    protected void releaseRetained()
    {
        for (final MappedFile region : mappings.subList(0, regionMappings))
        {
            region.close();
        }
    }

    private void claimEmpty(final int type)
    {
        final int index = toPeer.tryClaim(type, 0);
        if (index >= 0)
        {
            toPeer.commit(index);
        }
    }

    private void onRecord(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (!isConnected())
        {
            return;
        }
        switch (type)
        {
            case ShmRecords.WRITE_IMM ->
            {
                completion.set(this, Opcode.WRITE_IMM, Status.SUCCESS, 0,
                    buffer.getInt(index + ShmRecords.IMMEDIATE_OFFSET), buffer.getInt(index + ShmRecords.LENGTH_OFFSET));
                delivered++;
                handler.onCompletion(completion);
            }
            case ShmRecords.SEND ->
            {
                completion.set(this, Opcode.RECV, Status.SUCCESS, 0, 0, length).message(buffer, index, length);
                delivered++;
                handler.onCompletion(completion);
            }
            case ShmRecords.CLOSE -> end(Status.SUCCESS, "the peer closed the connection");
            case ShmRecords.HEARTBEAT ->
            {
            }
            default -> end(Status.PROTOCOL_ERROR, "unknown record type " + type + " in the ring from the peer");
        }
    }
}
