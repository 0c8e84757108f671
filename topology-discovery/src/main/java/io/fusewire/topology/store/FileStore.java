package io.fusewire.topology.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A store in a directory every process of the job can see (a shared filesystem): one file per key,
 * named by the key's URL-safe Base64, written to a temporary file and renamed into place so that a
 * reader never sees half a value. {@link #add} takes a file lock against other processes and a
 * lock of this class against other threads of this one (file locks are per process). Waits poll
 * every 10 ms.
 */
public final class FileStore implements Store
{
    private static final long POLL_NS = 10_000_000L;

    private final Path directory;

    /**
     * @param directory where the keys live; created if missing.
     * @throws UncheckedIOException naming the directory if it cannot be used.
     */
    public FileStore(final Path directory)
    {
        this.directory = directory;
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot use " + directory + " as a store: " + ex.getMessage(), ex);
        }
    }

    @Override
    public void set(final String key, final byte[] value)
    {
        Store.checkSizes(key, value);
        try
        {
            final Path temporary = Files.createTempFile(directory, ".set-", ".tmp");
            Files.write(temporary, value);
            try
            {
                Files.move(temporary, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(temporary, file(key), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot set key '" + key + "' in " + directory + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public byte[] get(final String key, final Duration timeout) throws TimeoutException
    {
        Store.checkSizes(key, null);
        final long deadline = System.nanoTime() + timeout.toNanos();
        final Path file = file(key);
        while (true)
        {
            try
            {
                return Files.readAllBytes(file);
            }
            catch (final java.nio.file.NoSuchFileException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new TimeoutException("key '" + key + "' was not set in " + directory + " within " + timeout.toMillis() + " ms");
                }
                LockSupport.parkNanos(POLL_NS);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot read key '" + key + "' in " + directory + ": " + ex.getMessage(), ex);
            }
        }
    }

    @Override
    public long add(final String key, final long delta)
    {
        Store.checkSizes(key, null);
        synchronized (FileStore.class)
        {
            return addLocked(key, delta);
        }
    }

    private long addLocked(final String key, final long delta)
    {
        try (FileChannel lock = FileChannel.open(directory.resolve(".lock-" + encode(key)), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE); FileLock ignored = lock.lock())
        {
            final Path file = file(key);
            final long value = (Files.exists(file) ? Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII)) : 0) + delta;
            set(key, Long.toString(value).getBytes(StandardCharsets.US_ASCII));
            return value;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot add to key '" + key + "' in " + directory + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public boolean check(final String key)
    {
        Store.checkSizes(key, null);
        return Files.exists(file(key));
    }

    @Override
    public void close()
    {
        // nothing held open between calls
    }

    private Path file(final String key)
    {
        return directory.resolve("key-" + encode(key));
    }

    private static String encode(final String key)
    {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }
}
