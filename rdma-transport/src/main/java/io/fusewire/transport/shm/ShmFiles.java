package io.fusewire.transport.shm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.ProtocolException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of the shm provider, all in one tmpfs directory and named
 * {@code fusewire-<pid>-<kind>-<id>} so that files left by a dead process can be found and removed
 * (daemons' counters files, {@code fusewire-<pid>-counters}, too).
 * A region file lives as long as its region; a ring file is removed as soon as the peer has mapped
 * it.
 */
final class ShmFiles
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.transport");
    private static final Pattern NAME = Pattern.compile("fusewire-(\\d+)-(region|ring)-[0-9a-f]+");
    /** Every per-process file of Fusewire in the directory: regions, rings, and daemons' counters. */
    private static final Pattern OWNED = Pattern.compile("fusewire-(\\d+)-[a-z]+(-[0-9a-f]+)?");
    private static final AtomicLong RING_IDS = new AtomicLong();

    private final Path directory;
    private final long pid = ProcessHandle.current().pid();

    ShmFiles(final Path directory)
    {
        this.directory = directory.toAbsolutePath().normalize();
    }

    Path directory()
    {
        return directory;
    }

    MappedFile createRegion(final int key, final long length) throws IOException
    {
        return create(directory.resolve("fusewire-" + pid + "-region-" + Integer.toHexString(key)), length);
    }

    MappedFile createRing(final long length) throws IOException
    {
        return create(directory.resolve("fusewire-" + pid + "-ring-" + Long.toHexString(RING_IDS.incrementAndGet())), length);
    }

    /**
     * Maps a file a peer named, after checking that it is one of ours and of the expected size:
     * a peer must not make this process map anything else.
     */
    MappedFile mapPeerFile(final String locator, final long expectedLength) throws IOException
    {
        final Path path = Path.of(locator).toAbsolutePath().normalize();
        if (!directory.equals(path.getParent()) || !NAME.matcher(path.getFileName().toString()).matches())
        {
            throw new ProtocolException("peer named '" + locator + "', which is not a Fusewire shm file in " + directory
                + ": both sides must use the same " + "fusewire.transport.shm.dir");
        }
        final Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            if (channel.size() != expectedLength)
            {
                throw new ProtocolException("peer file " + path + " has " + channel.size() + " bytes, the peer said "
                    + expectedLength);
            }
            return new MappedFile(path, channel.map(FileChannel.MapMode.READ_WRITE, 0, expectedLength, arena), arena);
        }
        catch (final NoSuchFileException ex)
        {
            arena.close();
            throw new ProtocolException("peer file " + path + " does not exist: is the peer on another host? use --transport tcp");
        }
        catch (final IOException | RuntimeException ex)
        {
            arena.close();
            throw ex;
        }
    }

    /** Removes files left in the directory by processes that no longer run. */
    void sweepStale()
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "fusewire-*"))
        {
            for (final Path file : files)
            {
                final Matcher matcher = OWNED.matcher(file.getFileName().toString());
                if (matcher.matches() && ProcessHandle.of(Long.parseLong(matcher.group(1))).isEmpty())
                {
                    Files.deleteIfExists(file);
                    LOG.log(System.Logger.Level.INFO, "removed " + file + ", left by a process that exited");
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, "could not sweep " + directory + ": " + ex.getMessage());
        }
    }

    static void delete(final Path path)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "could not remove " + path + ": " + ex.getMessage());
        }
    }

    private static MappedFile create(final Path path, final long length) throws IOException
    {
        final Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            return new MappedFile(path, channel.map(FileChannel.MapMode.READ_WRITE, 0, length, arena), arena);
        }
        catch (final IOException | RuntimeException ex)
        {
            arena.close();
            delete(path);
            throw ex;
        }
    }
}
