package io.fusewire.topology.probe;

import io.fusewire.transport.support.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * A UDP socket (IPv4, Linux) that sends with a fixed TTL and reports the TTL each datagram arrived
 * with ({@code IP_RECVTTL}), so the routers between two hosts can be counted: each decrements it,
 * switches and bridges do not. Java's sockets expose neither, so this calls libc through the
 * foreign function API.
 *
 * <pre>
 *   msghdr (x86-64, 56 bytes)          cmsghdr (16 bytes + data)        sockaddr_in (16 bytes)
 *    0 msg_name        ptr              0 cmsg_len    size_t             0 sin_family  u16 (AF_INET)
 *    8 msg_namelen     u32             8 cmsg_level  int (IPPROTO_IP)   2 sin_port    u16, network order
 *   16 msg_iov         ptr             12 cmsg_type   int (IP_TTL)       4 sin_addr    4 bytes, network order
 *   24 msg_iovlen      size_t          16 data        int (the TTL)      8 zero        8 bytes
 *   32 msg_control     ptr
 *   40 msg_controllen  size_t
 *   48 msg_flags       int
 * </pre>
 */
public final class TtlSocket implements AutoCloseable
{
    /** The TTL every probe leaves with; hops = this minus the TTL it arrives with. */
    public static final int SEND_TTL = 64;

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int IPPROTO_IP = 0;
    private static final int IP_TTL = 2;
    private static final int IP_RECVTTL = 12;
    private static final short POLLIN = 1;
    private static final int MAX_DATAGRAM = 256;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = function("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = function("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = function("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle GETSOCKNAME = function("getsockname", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle SENDTO = function("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECVMSG = function("recvmsg", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle POLL = function("poll", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Errno.segment(arena);
    private final MemorySegment address = arena.allocate(16, 8);
    private final MemorySegment addressLength = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment payload = arena.allocate(MAX_DATAGRAM, 8);
    private final MemorySegment iov = arena.allocate(16, 8);
    private final MemorySegment control = arena.allocate(64, 8);
    private final MemorySegment header = arena.allocate(56, 8);
    private final MemorySegment pollFd = arena.allocate(8, 8);
    private final int fd;
    private final int port;
    private boolean closed;

    /**
     * A datagram received.
     *
     * @param from    the sender's address.
     * @param port    the sender's port.
     * @param ttl     the TTL it arrived with, -1 if the kernel did not say.
     * @param text    its payload as UTF-8 text.
     */
    public record Datagram(String from, int port, int ttl, String text)
    {
    }

    /**
     * @param bindAddress the IPv4 address to bind to; port 0 for any.
     * @param bindPort    the port.
     * @throws IllegalStateException naming the call and errno when the socket cannot be made.
     */
    public TtlSocket(final String bindAddress, final int bindPort)
    {
        int opened = -1;
        try
        {
            opened = (int)SOCKET.invokeExact(errno, AF_INET, SOCK_DGRAM, 0);
            check(opened, "socket");
            final MemorySegment one = arena.allocate(ValueLayout.JAVA_INT);
            one.set(ValueLayout.JAVA_INT, 0, 1);
            check((int)SETSOCKOPT.invokeExact(errno, opened, IPPROTO_IP, IP_RECVTTL, one, 4), "setsockopt(IP_RECVTTL)");
            one.set(ValueLayout.JAVA_INT, 0, SEND_TTL);
            check((int)SETSOCKOPT.invokeExact(errno, opened, IPPROTO_IP, IP_TTL, one, 4), "setsockopt(IP_TTL)");
            socketAddress(bindAddress, bindPort);
            check((int)BIND.invokeExact(errno, opened, address, 16), "bind(" + bindAddress + ":" + bindPort + ")");
            addressLength.set(ValueLayout.JAVA_INT, 0, 16);
            check((int)GETSOCKNAME.invokeExact(errno, opened, address, addressLength), "getsockname");
        }
        catch (final Throwable ex)
        {
            release(opened);
            throw ex instanceof RuntimeException runtime ? runtime : new IllegalStateException("UDP socket: " + ex, ex);
        }
        fd = opened;
        port = Short.toUnsignedInt(Short.reverseBytes(address.get(ValueLayout.JAVA_SHORT, 2)));
    }

    /** @return the port bound. */
    public int port()
    {
        return port;
    }

    /**
     * Sends one datagram, with TTL {@link #SEND_TTL}.
     *
     * @return false if the kernel refused it (no route, buffer full).
     */
    public synchronized boolean send(final String host, final int toPort, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_DATAGRAM)
        {
            throw new IllegalArgumentException("a probe datagram holds at most " + MAX_DATAGRAM + " bytes");
        }
        MemorySegment.copy(bytes, 0, payload, ValueLayout.JAVA_BYTE, 0, bytes.length);
        socketAddress(host, toPort);
        try
        {
            return (long)SENDTO.invokeExact(errno, fd, payload, (long)bytes.length, 0, address, 16) == bytes.length;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("sendto: " + ex, ex);
        }
    }

    /**
     * @param timeoutMs how long to wait for a datagram.
     * @return the next datagram, or null if none came within the timeout.
     */
    public synchronized Datagram receive(final int timeoutMs)
    {
        try
        {
            pollFd.set(ValueLayout.JAVA_INT, 0, fd);
            pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            pollFd.set(ValueLayout.JAVA_SHORT, 6, (short)0);
            if ((int)POLL.invokeExact(errno, pollFd, 1L, timeoutMs) <= 0)
            {
                return null;
            }
            iov.set(ValueLayout.ADDRESS, 0, payload);
            iov.set(ValueLayout.JAVA_LONG, 8, (long)MAX_DATAGRAM);
            header.fill((byte)0);
            header.set(ValueLayout.ADDRESS, 0, address);
            header.set(ValueLayout.JAVA_INT, 8, 16);
            header.set(ValueLayout.ADDRESS, 16, iov);
            header.set(ValueLayout.JAVA_LONG, 24, 1L);
            header.set(ValueLayout.ADDRESS, 32, control);
            header.set(ValueLayout.JAVA_LONG, 40, control.byteSize());
            final long received = (long)RECVMSG.invokeExact(errno, fd, header, 0);
            if (received < 0)
            {
                return null;
            }
            final String text = new String(payload.asSlice(0, received).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            final byte[] from = address.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
            final int fromPort = Short.toUnsignedInt(Short.reverseBytes(address.get(ValueLayout.JAVA_SHORT, 2)));
            return new Datagram(InetAddress.getByAddress(from).getHostAddress(), fromPort, ttl(), text);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("recvmsg: " + ex, ex);
        }
    }

    private int ttl()
    {
        final long controlLength = header.get(ValueLayout.JAVA_LONG, 40);
        long offset = 0;
        while (offset + 16 <= controlLength)
        {
            final long length = control.get(ValueLayout.JAVA_LONG, offset);
            if (length < 16)
            {
                break;
            }
            if (control.get(ValueLayout.JAVA_INT, offset + 8) == IPPROTO_IP && control.get(ValueLayout.JAVA_INT, offset + 12) == IP_TTL)
            {
                return control.get(ValueLayout.JAVA_INT, offset + 16);
            }
            offset += (length + 7) & ~7L;
        }
        return -1;
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            release(fd);
        }
    }

    private void release(final int socket)
    {
        try
        {
            if (socket >= 0)
            {
                final int ignored = (int)CLOSE.invokeExact(errno, socket);
            }
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("close: " + ex, ex);
        }
        finally
        {
            arena.close();
        }
    }

    private void socketAddress(final String host, final int toPort)
    {
        final byte[] ip;
        try
        {
            final InetAddress resolved = InetAddress.getByName(host);
            if (!(resolved instanceof Inet4Address))
            {
                throw new IllegalArgumentException("hop counting needs an IPv4 address; got " + host);
            }
            ip = resolved.getAddress();
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("unknown host " + host, ex);
        }
        address.fill((byte)0);
        address.set(ValueLayout.JAVA_SHORT, 0, (short)AF_INET);
        address.set(ValueLayout.JAVA_SHORT, 2, Short.reverseBytes((short)toPort));
        MemorySegment.copy(ip, 0, address, ValueLayout.JAVA_BYTE, 4, 4);
    }

    private void check(final int result, final String call)
    {
        if (result < 0)
        {
            throw new IllegalStateException(call + " failed: " + Errno.text(errno));
        }
    }

    private static MethodHandle function(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, Errno.CAPTURE);
    }
}
