package io.fusewire.transport.shm;

import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.RemoteRegion;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import io.fusewire.transport.support.AbstractConnection;
import io.fusewire.transport.support.Handshake;
import io.fusewire.transport.support.Hello;
import io.fusewire.transport.support.SocketDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The shm device: regions are files in a tmpfs, mapped by every peer they are exposed to. Setting
 * up a connection maps the peer's exposed regions and its inbound ring; see {@link ShmConnection}.
 */
final class ShmDevice extends SocketDevice
{
    private final ShmFiles files;
    private final long ringLength;

    ShmDevice(final TransportContext context, final ShmFiles files)
    {
        super(context, "shm", "shm0");
        this.files = files;
        this.ringLength = context.shmRingCapacity() + (long)RingBufferDescriptor.TRAILER_LENGTH;
    }

    static UnsafeBuffer ringBuffer(final MappedFile ring)
    {
        return new UnsafeBuffer(ring.segment().address(), Math.toIntExact(ring.segment().byteSize()));
    }

    @Override
    protected MemoryRegion allocateRegion(final long length)
    {
        final int key = randomKey();
        try
        {
            final MappedFile file = files.createRegion(key, length);
            return new MemoryRegion(key, file.segment(), file.path().toString(), () ->
            {
                file.close();
                ShmFiles.delete(file.path());
            });
        }
        catch (final IOException ex)
        {
            throw new TransportException("cannot allocate a " + length + "-byte shm region in " + files.directory() + ": "
                + ex.getMessage() + " (is the tmpfs full? see df " + files.directory() + ", or set "
                + TransportContext.SHM_DIRECTORY_PROP + ")", ex);
        }
    }

    @Override
    protected MemoryRegion registerRegion(final MemorySegment memory)
    {
        throw new TransportException("the shm provider cannot register memory it did not allocate: its regions are"
            + " files that peers map; allocate with Device.allocate, or use the tcp or verbs provider");
    }

    @Override
    protected AbstractConnection establish(final Handshake handshake) throws IOException
    {
        final MappedFile inbound = files.createRing(ringLength);
        final List<MappedFile> mapped = new ArrayList<>();
        try
        {
            final Hello remote = handshake.exchange(provider(), (exposed, data) ->
                Hello.of(provider(), context.maxMessageLength(), exposed, inbound.path().toString(), data));
            final List<RemoteRegion> regions = remote.regions();
            for (int i = 0; i < regions.size(); i++)
            {
                mapped.add(files.mapPeerFile(remote.locators().get(i), regions.get(i).length()));
            }
            final MappedFile outbound = files.mapPeerFile(remote.endpoint(), ringLength);
            mapped.add(outbound);
            handshake.confirm();
            ShmFiles.delete(inbound.path());
            return new ShmConnection(context, handshake.peer(), remote, mapped.subList(0, regions.size()), inbound, outbound,
                handshake.channel());
        }
        catch (final IOException | RuntimeException ex)
        {
            mapped.forEach(MappedFile::close);
            inbound.close();
            ShmFiles.delete(inbound.path());
            throw ex;
        }
    }
}
