package io.fusewire.transport.tcp;

import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.support.AbstractConnection;
import io.fusewire.transport.support.Handshake;
import io.fusewire.transport.support.Hello;
import io.fusewire.transport.support.SocketDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The tcp device: regions are page-aligned off-heap memory; connections are framed sockets. */
final class TcpDevice extends SocketDevice
{
    private static final long PAGE = 4096;

    TcpDevice(final TransportContext context)
    {
        super(context, "tcp", "tcp0");
    }

    @Override
    protected MemoryRegion allocateRegion(final long length)
    {
        final Arena arena = Arena.ofShared();
        return new MemoryRegion(randomKey(), arena.allocate(length, PAGE), "", arena::close);
    }

    @Override
    protected MemoryRegion registerRegion(final MemorySegment memory)
    {
        return new MemoryRegion(randomKey(), memory, "", () -> { });
    }

    @Override
    protected AbstractConnection establish(final Handshake handshake) throws IOException
    {
        final Hello remote = handshake.exchange(provider(), (exposed, data) ->
            Hello.of(provider(), context.maxMessageLength(), exposed, "", data));
        handshake.confirm();
        return new TcpConnection(context, handshake.peer(), remote, handshake.exposed(), handshake.channel());
    }
}
