package io.fusewire.aggregator;

import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.Listener;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The daemon's only user of the transport: accepts members, turns their completions into ingress
 * records for the {@link ReduceAgent}, and carries out its egress records (result writes, error
 * messages). Connections are confined to this agent's thread.
 */
final class TransportAgent implements Agent
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.aggregator");
    private static final int POLL_LIMIT = 64;

    private final Listener listener;
    private final CompletionQueue queue;
    private final RingBuffer ingress;
    private final RingBuffer egress;
    private final SharedTables tables;
    private final Object2IntHashMap<Connection> memberIds = new Object2IntHashMap<>(-1);
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 * 1024]);
    private final int pollRoom;
    private final UplinkDialer dialer;
    private final ControlledMessageHandler onEgress = this::onEgress;
    private final CompletionHandler onCompletion = this::onCompletion;
    private Connection waiting;

    TransportAgent(final Listener listener, final CompletionQueue queue, final RingBuffer ingress, final RingBuffer egress,
        final SharedTables tables, final int maxMessageLength, final UplinkDialer dialer)
    {
        this.dialer = dialer;
        this.listener = listener;
        this.queue = queue;
        this.ingress = ingress;
        this.egress = egress;
        this.tables = tables;
        this.pollRoom = POLL_LIMIT * (maxMessageLength + 64);
    }

    @Override
    public String roleName()
    {
        return "aggregator-transport";
    }

    @Override
    public int doWork()
    {
        int work = admitWaiting() + attachDialed();
        if (ingress.capacity() - ingress.size() >= pollRoom)
        {
            work += queue.poll(onCompletion, POLL_LIMIT);
        }
        return work + egress.controlledRead(onEgress, POLL_LIMIT);
    }

    @Override
    public void onClose()
    {
        listener.close();
        queue.close();
    }

    private int admitWaiting()
    {
        if (waiting == null && (waiting = listener.accept()) == null)
        {
            return 0;
        }
        final JoinRequest join = JoinRequest.decode(waiting.peerData()).join();
        final int id = tables.addMember(waiting);
        if (id < 0)
        {
            LOG.log(System.Logger.Level.WARNING, "no room for another member; closing " + waiting.peer());
            waiting.close();
            waiting = null;
            return 1;
        }
        final int index = ingress.tryClaim(Records.JOINED, Records.JOINED_LENGTH);
        if (index < 0)
        {
            tables.removeMember(id);
            return 0;
        }
        final MutableDirectBuffer buffer = ingress.buffer();
        buffer.putInt(index + Records.MEMBER, id);
        buffer.putInt(index + Records.JOINED_RANK, join.rank());
        buffer.putLong(index + Records.JOINED_JOB, join.jobId());
        final boolean mapsWorker = !waiting.remoteRegions().isEmpty() && waiting.mapped(waiting.remoteRegions().getFirst()) != null;
        buffer.putInt(index + Records.JOINED_IN_PLACE, mapsWorker ? 1 : 0);
        ingress.commit(index);
        memberIds.put(waiting, id);
        waiting = null;
        return 1;
    }

    /** A tier-2 uplink connected (or could not): it becomes a member like a worker, and the reduce agent is told whose it is. */
    private int attachDialed()
    {
        final UplinkDialer.Dialed dialed = dialer.poll();
        if (dialed == null)
        {
            return 0;
        }
        int id = -1;
        String failure = dialed.failure();
        if (dialed.connection() != null)
        {
            id = tables.addMember(dialed.connection());
            if (id < 0)
            {
                dialed.connection().close();
                failure = "no room for another member, for the uplink to tier-2 owner " + dialed.owner();
            }
            else
            {
                memberIds.put(dialed.connection(), id);
            }
        }
        scratch.putInt(Records.MEMBER, id);
        scratch.putInt(Records.UPLINK_OWNER, dialed.owner());
        scratch.putLong(Records.UPLINK_JOB, dialed.jobId());
        final byte[] text = (failure == null ? "" : failure).getBytes(StandardCharsets.UTF_8);
        final int length = Math.min(text.length, 4096);
        scratch.putBytes(Records.UPLINK_TEXT, text, 0, length);
        if (!ingress.write(Records.UPLINK, scratch, 0, Records.UPLINK_TEXT + length))
        {
            LOG.log(System.Logger.Level.ERROR, "ingress ring full: the uplink of job " + dialed.jobId() + " to owner " + dialed.owner()
                + " was lost");
        }
        return 1;
    }

    private void onCompletion(final Completion completion)
    {
        final int member = memberIds.getValue(completion.connection());
        if (member < 0)
        {
            return;
        }
        switch (completion.opcode())
        {
            case Opcode.WRITE_IMM ->
            {
                final int index = ingress.tryClaim(Records.ARRIVED, Records.ARRIVED_LENGTH);
                if (index < 0)
                {
                    LOG.log(System.Logger.Level.ERROR, "ingress ring full: a chunk from member " + member + " was lost");
                    return;
                }
                final MutableDirectBuffer buffer = ingress.buffer();
                buffer.putInt(index + Records.MEMBER, member);
                buffer.putInt(index + Records.ARRIVED_IMMEDIATE, completion.immediate());
                buffer.putInt(index + Records.ARRIVED_BYTES, completion.length());
                ingress.commit(index);
            }
            case Opcode.RECV ->
            {
                scratch.putInt(Records.MEMBER, member);
                scratch.putBytes(Records.BODY, completion.message(), 0, completion.length());
                ingress.write(Records.MESSAGE, scratch, 0, Records.BODY + completion.length());
            }
            case Opcode.WRITE, Opcode.SEND ->
            {
                if (completion.isSuccess())
                {
                    if (completion.opcode() == Opcode.WRITE)
                    {
                        written(member, (int)completion.wrId());
                    }
                }
                else
                {
                    writeStatus(Records.FAILED, member, completion.status(), completion.describe());
                }
            }
            case Opcode.DISCONNECTED ->
            {
                writeStatus(Records.LEFT, member, completion.status(), completion.describe());
                memberIds.removeKey(completion.connection());
                tables.removeMember(member);
                completion.connection().close();
            }
            default ->
            {
            }
        }
    }

    /** A result write completed: the common case, a fixed-size record, nothing allocated. */
    private void written(final int member, final int slot)
    {
        final int index = ingress.tryClaim(Records.WRITTEN, Records.WRITTEN_LENGTH);
        if (index < 0)
        {
            LOG.log(System.Logger.Level.ERROR, "ingress ring full: a result completion of member " + member + " was lost");
            return;
        }
        ingress.buffer().putInt(index + Records.MEMBER, member);
        ingress.buffer().putInt(index + Records.WRITTEN_SLOT, slot);
        ingress.commit(index);
    }

    /** A tier-2 uplink ends with its job; after the last, the window the owners wrote into is freed. */
    private void close(final int member, final int region)
    {
        final Connection connection = member < 0 ? null : tables.member(member);
        if (connection != null)
        {
            memberIds.removeKey(connection);
            tables.removeMember(member);
            connection.close();
        }
        if (region >= 0 && tables.region(region) != null)
        {
            tables.region(region).close();
            tables.removeRegion(region);
        }
    }

    /** An error or a departure: rare, with its reason in words. */
    private void writeStatus(final int type, final int member, final int status, final String text)
    {
        scratch.putInt(Records.MEMBER, member);
        scratch.putInt(Records.STATUS, status);
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final int length = Math.min(bytes.length, scratch.capacity() - Records.TEXT);
        scratch.putBytes(Records.TEXT, bytes, 0, length);
        ingress.write(type, scratch, 0, Records.TEXT + length);
    }

    private ControlledMessageHandler.Action onEgress(final int type, final DirectBuffer buffer, final int index, final int length)
    {
        if (type == Records.CLOSE)
        {
            close(buffer.getInt(index + Records.MEMBER), buffer.getInt(index + Records.CLOSE_REGION));
            return ControlledMessageHandler.Action.CONTINUE;
        }
        final Connection connection = tables.member(buffer.getInt(index + Records.MEMBER));
        if (connection == null || !connection.isConnected())
        {
            return ControlledMessageHandler.Action.CONTINUE;
        }
        final int result;
        if (type == Records.RESULT)
        {
            final int slot = buffer.getInt(index + Records.RESULT_SLOT);
            result = connection.write(tables.region(buffer.getInt(index + Records.RESULT_REGION)),
                buffer.getLong(index + Records.RESULT_OFFSET), buffer.getInt(index + Records.RESULT_BYTES),
                connection.remoteRegions().getFirst(), buffer.getLong(index + Records.RESULT_REMOTE_OFFSET),
                buffer.getInt(index + Records.RESULT_IMMEDIATE), slot);
        }
        else
        {
            result = connection.send(buffer, index + Records.BODY, length - Records.BODY, 0);
        }
        if (result == PostResult.BACK_PRESSURED)
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        if (result != PostResult.OK && result != PostResult.NOT_CONNECTED)
        {
            LOG.log(System.Logger.Level.WARNING, "egress record " + type + " to " + connection.peer() + " refused: "
                + PostResult.name(result));
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }
}
