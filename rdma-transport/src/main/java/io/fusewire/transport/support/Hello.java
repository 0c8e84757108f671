package io.fusewire.transport.support;

import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.RemoteRegion;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/**
 * The first message each side sends on a new connection: who it is, and the regions the peer may
 * write into. Big-endian, as {@link DataOutputStream} writes it:
 *
 * <pre>
 *   int    magic 0x46574831 ("FWH1")
 *   short  version
 *   utf    provider ("shm", "tcp", "verbs")
 *   long   process id
 *   int    max message length
 *   int    region count n (at most 4096)
 *   n x  { int key, long address, long length, utf locator }
 *   utf    endpoint (shm: the file of this side's inbound ring; verbs: its queue pair address; tcp: "")
 *   int    private data length m (at most 4096), then m bytes (the connector's; empty from the listener)
 * </pre>
 *
 * The connector sends its hello first; the listener answers one byte, 1 followed by its own hello
 * when it admits the connector, or 0 followed by a utf reason. Then each side answers one more
 * byte the same way once it has set up its data path, so that a refused side learns why.
 *
 * @param provider         the provider.
 * @param pid              the sender's process id.
 * @param maxMessageLength longest control message the sender accepts.
 * @param regions          what the sender exposes.
 * @param locators         per region, where a peer on the same host finds it ("" if nowhere).
 * @param endpoint         how the peer reaches this side's data path: shm's inbound ring file, verbs's queue pair address, or "".
 * @param privateData      what the connector hands to the listener's admission.
 */
public record Hello(
    String provider,
    long pid,
    int maxMessageLength,
    List<RemoteRegion> regions,
    List<String> locators,
    String endpoint,
    byte[] privateData)
{
    /** First bytes of every Fusewire connection. */
    public static final int MAGIC = 0x46574831;
    /** Version of this message; a mismatch is refused. */
    public static final short VERSION = 1;
    private static final int MAX_REGIONS = 4096;
    /** Most bytes of private data a connector may send. */
    public static final int MAX_PRIVATE_DATA = 4096;

    /**
     * @param provider         the provider.
     * @param maxMessageLength longest control message.
     * @param exposed          the regions to expose.
     * @param endpoint         shm's inbound ring file, verbs's queue pair address, or "".
     * @param privateData      for the listener's admission; empty from a listener.
     * @return this process's hello.
     */
    public static Hello of(
        final String provider,
        final int maxMessageLength,
        final List<MemoryRegion> exposed,
        final String endpoint,
        final byte[] privateData)
    {
        final List<RemoteRegion> regions = new ArrayList<>(exposed.size());
        final List<String> locators = new ArrayList<>(exposed.size());
        for (final MemoryRegion region : exposed)
        {
            regions.add(region.descriptor());
            locators.add(region.locator());
        }
        return new Hello(provider, ProcessHandle.current().pid(), maxMessageLength, regions, locators, endpoint, privateData);
    }

    /**
     * @param out where to write; flushed by the caller.
     * @throws IOException if the socket fails.
     */
    public void write(final DataOutputStream out) throws IOException
    {
        out.writeInt(MAGIC);
        out.writeShort(VERSION);
        out.writeUTF(provider);
        out.writeLong(pid);
        out.writeInt(maxMessageLength);
        out.writeInt(regions.size());
        for (int i = 0; i < regions.size(); i++)
        {
            final RemoteRegion region = regions.get(i);
            out.writeInt(region.key());
            out.writeLong(region.address());
            out.writeLong(region.length());
            out.writeUTF(locators.get(i));
        }
        out.writeUTF(endpoint);
        out.writeInt(privateData.length);
        out.write(privateData);
    }

    /**
     * Reads and checks a peer's hello.
     *
     * @param in       where to read (unbuffered: data may follow the handshake).
     * @param provider the provider this side speaks.
     * @return the hello.
     * @throws IOException       if the socket fails or times out.
     * @throws ProtocolException naming what is wrong with the peer's bytes.
     */
    public static Hello read(final DataInputStream in, final String provider) throws IOException
    {
        final int magic = in.readInt();
        if (magic != MAGIC)
        {
            throw new ProtocolException("not a Fusewire peer: first bytes 0x" + Integer.toHexString(magic)
                + ", expected 0x" + Integer.toHexString(MAGIC));
        }
        final short version = in.readShort();
        if (version != VERSION)
        {
            throw new ProtocolException("peer speaks handshake version " + version + ", this side " + VERSION
                + ": run the same Fusewire version on both sides");
        }
        final String peerProvider = in.readUTF();
        if (!peerProvider.equals(provider))
        {
            throw new ProtocolException("peer uses transport '" + peerProvider + "', this side '" + provider
                + "': use the same --transport on both sides");
        }
        final long pid = in.readLong();
        final int maxMessageLength = in.readInt();
        final int count = in.readInt();
        if (count < 0 || count > MAX_REGIONS || maxMessageLength < 0)
        {
            throw new ProtocolException("malformed hello: " + count + " regions, max message " + maxMessageLength);
        }
        final List<RemoteRegion> regions = new ArrayList<>(count);
        final List<String> locators = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final int key = in.readInt();
            final long address = in.readLong();
            final long length = in.readLong();
            if (length <= 0)
            {
                throw new ProtocolException("malformed hello: region 0x" + Integer.toHexString(key) + " has length " + length);
            }
            regions.add(new RemoteRegion(key, address, length));
            locators.add(in.readUTF());
        }
        final String endpoint = in.readUTF();
        final int dataLength = in.readInt();
        if (dataLength < 0 || dataLength > MAX_PRIVATE_DATA)
        {
            throw new ProtocolException("malformed hello: " + dataLength + " bytes of private data (at most " + MAX_PRIVATE_DATA + ")");
        }
        final byte[] privateData = new byte[dataLength];
        in.readFully(privateData);
        return new Hello(peerProvider, pid, maxMessageLength, regions, locators, endpoint, privateData);
    }
}
