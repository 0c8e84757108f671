package io.fusewire.topology.store;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** A client of a {@link StoreServer}. Thread-safe: requests go one at a time. */
public final class TcpStore implements Store
{
    private static final int SLACK_MS = 5_000;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final String address;
    private final int requestTimeoutMs;

    /**
     * @param host      the server.
     * @param port      its port.
     * @param timeout   bound on connecting and on every request but {@link #get}'s wait.
     * @throws UncheckedIOException naming the address if it cannot connect.
     */
    public TcpStore(final String host, final int port, final Duration timeout)
    {
        this.address = host + ":" + port;
        this.requestTimeoutMs = (int)Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try
        {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), requestTimeoutMs);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(requestTimeoutMs);
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("no store at " + address + ": " + ex.getMessage()
                + " (is the aggregator serving its store there?)", ex);
        }
    }

    @Override
    public synchronized void set(final String key, final byte[] value)
    {
        Store.checkSizes(key, value);
        try
        {
            request(StoreProtocol.SET, key);
            out.writeInt(value.length);
            out.write(value);
            answer(key);
        }
        catch (final IOException ex)
        {
            throw failed("set", key, ex);
        }
    }

    @Override
    public synchronized byte[] get(final String key, final Duration timeout) throws TimeoutException
    {
        Store.checkSizes(key, null);
        try
        {
            socket.setSoTimeout((int)Math.min(Integer.MAX_VALUE, timeout.toMillis() + SLACK_MS));
            request(StoreProtocol.GET, key);
            out.writeLong(timeout.toMillis());
            if (answer(key) == StoreProtocol.TIMEOUT)
            {
                throw new TimeoutException(in.readUTF() + " (store " + address + ")");
            }
            final byte[] value = new byte[in.readInt()];
            in.readFully(value);
            return value;
        }
        catch (final IOException ex)
        {
            throw failed("get", key, ex);
        }
        finally
        {
            restoreTimeout();
        }
    }

    @Override
    public synchronized long add(final String key, final long delta)
    {
        Store.checkSizes(key, null);
        try
        {
            request(StoreProtocol.ADD, key);
            out.writeLong(delta);
            answer(key);
            return in.readLong();
        }
        catch (final IOException ex)
        {
            throw failed("add to", key, ex);
        }
    }

    @Override
    public synchronized boolean check(final String key)
    {
        Store.checkSizes(key, null);
        try
        {
            request(StoreProtocol.CHECK, key);
            answer(key);
            return in.readBoolean();
        }
        catch (final IOException ex)
        {
            throw failed("check", key, ex);
        }
    }

    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // nothing more to release
        }
    }

    private void request(final int op, final String key) throws IOException
    {
        out.writeByte(op);
        out.writeUTF(key);
    }

    private int answer(final String key) throws IOException
    {
        out.flush();
        final int status = in.readUnsignedByte();
        if (status == StoreProtocol.ERROR)
        {
            throw new IllegalStateException("store " + address + " refused key '" + key + "': " + in.readUTF());
        }
        return status;
    }

    private void restoreTimeout()
    {
        try
        {
            socket.setSoTimeout(requestTimeoutMs);
        }
        catch (final IOException ignore)
        {
            // the next request reports the broken socket
        }
    }

    private UncheckedIOException failed(final String what, final String key, final IOException ex)
    {
        return new UncheckedIOException("could not " + what + " key '" + key + "' at store " + address + ": " + ex.getMessage(), ex);
    }
}
