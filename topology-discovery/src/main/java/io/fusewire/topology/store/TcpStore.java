package io.fusewire.topology.store;

import io.fusewire.topology.Hmac;
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

/**
 * A client of a {@link StoreServer}, on one job's keys: it proves the job's secret when it connects
 * ({@link StoreProtocol}; the secret itself never leaves this process). Thread-safe: requests go one
 * at a time.
 */
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
     * @param job       the job whose keys to use.
     * @param secret    the job's secret, the same in all its processes.
     * @param timeout   bound on connecting and on every request but {@link #get}'s wait.
     * @throws UncheckedIOException naming the address if it cannot connect.
     * @throws IllegalStateException saying why if the store refused the job's proof (a wrong secret, too many clients).
     */
    public TcpStore(final String host, final int port, final long job, final String secret, final Duration timeout)
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
        try
        {
            prove(job, secret);
        }
        catch (final IOException ex)
        {
            close();
            throw new UncheckedIOException("store " + address + " did not take job " + job + "'s proof: " + ex.getMessage(), ex);
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /** Answers the store's challenge with the job's proof; the first client of a job also gives its verifier. */
    private void prove(final long job, final String secret) throws IOException
    {
        final String what = "job " + job;
        answer(what);
        final byte[] challenge = new byte[Hmac.CHALLENGE_BYTES];
        in.readFully(challenge);
        final byte[] verifier = StoreProtocol.verifier(job, secret);
        out.writeLong(job);
        out.write(Hmac.of(verifier, challenge));
        int status = answer(what);
        if (status == StoreProtocol.UNKNOWN_JOB)
        {
            out.write(verifier);
            status = answer(what);
        }
        if (status != StoreProtocol.OK)
        {
            throw new IllegalStateException("store " + address + " answered job " + job + "'s proof with status " + status);
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
            answer(keyNamed(key));
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
            if (answer(keyNamed(key)) == StoreProtocol.TIMEOUT)
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
            answer(keyNamed(key));
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
            answer(keyNamed(key));
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

    /** @param what what the request was about, for the refusal: "key 'K'", or "job J" while proving. */
    private int answer(final String what) throws IOException
    {
        out.flush();
        final int status = in.readUnsignedByte();
        if (status == StoreProtocol.ERROR)
        {
            throw new IllegalStateException("store " + address + " refused " + what + ": " + in.readUTF());
        }
        return status;
    }

    private static String keyNamed(final String key)
    {
        return "key '" + key + "'";
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
