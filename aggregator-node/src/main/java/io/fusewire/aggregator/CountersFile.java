package io.fusewire.aggregator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjLongConsumer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.ErrorLogReader;
import org.agrona.concurrent.status.CountersReader;

/**
 * A daemon's counters in a memory-mapped file, so that {@code fusewire stat} in another process
 * reads them while the daemon runs (the idea of Aeron's CnC file):
 *
 * <pre>
 *   0  int  magic 0x43574746 ("FGWC")
 *   4  int  version 1
 *   8  long process id
 *  16  int  metadata bytes M
 *  20  int  values bytes V
 *  24  int  error log bytes E
 *  28  ...  padding to 64
 *  64  M    Agrona counters metadata
 *  64+M V   Agrona counter values
 *  ...  E   Agrona distinct error log: each distinct error once, with how often and when first and last
 * </pre>
 *
 * Named {@code fusewire-<pid>-counters-<n>} in the shm directory (n counts the daemons of one
 * process); removed on close, or by the next shm fabric opened on the host if the daemon was killed.
 */
public final class CountersFile implements AutoCloseable
{
    /** First bytes of a counters file. */
    public static final int MAGIC = 0x43574746;
    private static final int HEADER = 64;
    private static final int COUNTERS = 64;
    private static final int METADATA_BYTES = COUNTERS * CountersReader.METADATA_LENGTH;
    private static final int VALUES_BYTES = COUNTERS * CountersReader.COUNTER_LENGTH;
    private static final int ERRORS_BYTES = 256 * 1024;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Path path;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;
    private final UnsafeBuffer errors;
    private final boolean owned;

    private CountersFile(final Path path, final MappedByteBuffer mapped, final int metadataBytes, final int valuesBytes,
        final int errorsBytes, final boolean owned)
    {
        this.path = path;
        this.owned = owned;
        this.mapped = mapped;
        this.metadata = new UnsafeBuffer(mapped, HEADER, metadataBytes);
        this.values = new UnsafeBuffer(mapped, HEADER + metadataBytes, valuesBytes);
        this.errors = new UnsafeBuffer(mapped, HEADER + metadataBytes + valuesBytes, errorsBytes);
    }

    /**
     * Creates this process's counters file.
     *
     * @param directory where (the shm directory).
     * @return the file, mapped.
     */
    public static CountersFile create(final Path directory)
    {
        final long pid = ProcessHandle.current().pid();
        final Path path = directory.resolve("fusewire-" + pid + "-counters-" + Integer.toHexString(SEQUENCE.incrementAndGet()));
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0,
                HEADER + METADATA_BYTES + VALUES_BYTES + ERRORS_BYTES);
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER);
            header.putLong(8, pid);
            header.putInt(16, METADATA_BYTES);
            header.putInt(20, VALUES_BYTES);
            header.putInt(24, ERRORS_BYTES);
            header.putInt(4, 1);
            header.putIntVolatile(0, MAGIC);
            return new CountersFile(path, mapped, METADATA_BYTES, VALUES_BYTES, ERRORS_BYTES, true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create the counters file " + path + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Maps another process's counters file for reading.
     *
     * @param path the file.
     * @return the file, or null if it is not a counters file (yet).
     * @throws IOException if it cannot be read.
     */
    public static CountersFile open(final Path path) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            if (channel.size() < HEADER)
            {
                return null;
            }
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER);
            final int metadataBytes = header.getInt(16);
            final int valuesBytes = header.getInt(20);
            final int errorsBytes = header.getInt(24);
            if (header.getIntVolatile(0) != MAGIC || HEADER + (long)metadataBytes + valuesBytes + errorsBytes > channel.size())
            {
                return null;
            }
            return new CountersFile(path, mapped, metadataBytes, valuesBytes, errorsBytes, false);
        }
    }

    /**
     * Maps a running daemon's counters file for reading, found by its process id.
     *
     * @param directory the shm directory the daemon writes in.
     * @param pid       the daemon's process id.
     * @return the file, or null if that process has none there.
     * @throws IOException if the directory or the file cannot be read.
     */
    public static CountersFile ofProcess(final Path directory, final long pid) throws IOException
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "fusewire-" + pid + "-counters-*"))
        {
            for (final Path file : files)
            {
                final CountersFile counters = open(file);
                if (counters != null)
                {
                    return counters;
                }
            }
        }
        return null;
    }

    /**
     * @param label the start of a counter's label, e.g. "bytes up".
     * @return the first counter's value whose label starts so, or -1 if none does.
     */
    public long value(final String label)
    {
        final CountersReader reader = new CountersReader(metadata, values);
        final long[] value = {-1};
        reader.forEach((id, typeId, key, name) ->
        {
            if (value[0] < 0 && name.startsWith(label))
            {
                value[0] = reader.getCounterValue(id);
            }
        });
        return value[0];
    }

    /**
     * Prints every counter, a line each, and with {@code errors} the distinct error log: what
     * {@code fusewire stat} and a daemon's {@code /status} show.
     *
     * @param out    where to.
     * @param errors whether to print the error log too.
     */
    public void report(final PrintWriter out, final boolean errors)
    {
        new CountersReader(metadata, values).forEach((value, id, label) -> out.printf("  %-40s %,20d%n", label, value));
        if (errors)
        {
            final int distinct = ErrorLogReader.read(this.errors, (count, first, last, text) -> out.printf(
                "  error x%d, first %s, last %s:%n    %s%n", count, Instant.ofEpochMilli(first), Instant.ofEpochMilli(last),
                text.strip().replace("\n", "\n    ")));
            out.println("  " + distinct + " distinct error" + (distinct == 1 ? "" : "s"));
        }
    }

    /** @param each receives every counter: its label and value. */
    void forEach(final ObjLongConsumer<String> each)
    {
        new CountersReader(metadata, values).forEach((value, id, label) -> each.accept(label, value));
    }

    /** @return the metadata buffer, for a counters manager or reader. */
    public UnsafeBuffer metadata()
    {
        return metadata;
    }

    /** @return the values buffer. */
    public UnsafeBuffer values()
    {
        return values;
    }

    /** @return the distinct error log buffer, for Agrona's DistinctErrorLog and ErrorLogReader. */
    public UnsafeBuffer errors()
    {
        return errors;
    }

    /** @return the process id of the daemon that wrote the file. */
    public long pid()
    {
        return new UnsafeBuffer(mapped, 0, HEADER).getLong(8);
    }

    /** @return the file. */
    public Path path()
    {
        return path;
    }

    /** Removes the file if this process created it (the daemon's side); a reader's close leaves it. */
    @Override
    public void close()
    {
        if (!owned)
        {
            return;
        }
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ignore)
        {
            // a stale file is recognised by its dead pid
        }
    }
}
