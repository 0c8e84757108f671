package io.fusewire.transport;

import java.lang.foreign.MemorySegment;

/**
 * A registered range of off-heap memory: the source of local writes and, when exposed on a
 * connection, a target peers write into. Allocated by a {@link Device}, which decides where the
 * memory lives (a shared-memory file for {@code shm}, anonymous off-heap memory for {@code tcp},
 * pinned or GPU memory later). Using the segment after {@link #close()} fails with an
 * {@link IllegalStateException}, never a crash.
 */
public final class MemoryRegion implements AutoCloseable
{
    private final int key;
    private final int localKey;
    private final MemorySegment segment;
    private final String locator;
    private final Runnable release;
    private boolean closed;

    /**
     * Called by providers.
     *
     * @param key     the key peers must name to write here.
     * @param segment the memory.
     * @param locator where a peer on this host finds the memory (the shm file), or "" if nowhere.
     * @param release frees the memory.
     */
    public MemoryRegion(final int key, final MemorySegment segment, final String locator, final Runnable release)
    {
        this(key, key, segment, locator, release);
    }

    /**
     * Called by providers whose local key differs from the remote one (verbs: lkey and rkey).
     *
     * @param key      the key peers must name to write here.
     * @param localKey the key local work requests name.
     * @param segment  the memory.
     * @param locator  where a peer on this host finds the memory, or "" if nowhere.
     * @param release  frees the memory.
     */
    public MemoryRegion(final int key, final int localKey, final MemorySegment segment, final String locator, final Runnable release)
    {
        this.key = key;
        this.localKey = localKey;
        this.segment = segment;
        this.locator = locator;
        this.release = release;
    }

    /** @return the key peers name to write here (the remote key). */
    public int key()
    {
        return key;
    }

    /** @return the key local work requests name; the same as {@link #key()} except on verbs. */
    public int localKey()
    {
        return localKey;
    }

    /** @return the memory. */
    public MemorySegment segment()
    {
        return segment;
    }

    /** @return the length in bytes. */
    public long length()
    {
        return segment.byteSize();
    }

    /** @return where a peer on this host finds the memory (the shm file), or "". */
    public String locator()
    {
        return locator;
    }

    /** @return the descriptor to hand to peers. */
    public RemoteRegion descriptor()
    {
        return new RemoteRegion(key, segment.address(), segment.byteSize());
    }

    /** Frees the memory. Connections that expose it must be closed first. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            release.run();
        }
    }

    @Override
    public String toString()
    {
        return "MemoryRegion[key=0x" + Integer.toHexString(key) + ", length=" + segment.byteSize() + "]";
    }
}
