package io.fusewire.transport.support;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The check behind {@link io.fusewire.transport.TransportContext#VERIFY_SOURCES_PROP}: a write's
 * source range must not change between its post and its completion (the contract of
 * {@link io.fusewire.transport.Connection#write}), since a provider may read it at any moment in
 * between (tcp gathers it when the socket has room, a NIC reads it by DMA). The guard fingerprints
 * the range when the write is posted and again when it completes; a difference turns the
 * completion into {@link io.fusewire.transport.Status#SOURCE_CHANGED}. It reads the source with
 * the CPU, so it is for host memory, and it costs two passes over every write: a test setting.
 * One per send queue, indexed by the queue's slots; nothing allocates after construction.
 */
final class SourceGuard
{
    private static final long MIX = 0x9E3779B97F4A7C15L;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment[] sources;
    private final long[] offsets;
    private final int[] lengths;
    private final long[] fingerprints;

    /**
     * @param capacity slots of the send queue.
     */
    SourceGuard(final int capacity)
    {
        sources = new MemorySegment[capacity];
        offsets = new long[capacity];
        lengths = new int[capacity];
        fingerprints = new long[capacity];
    }

    /**
     * Fingerprints the source of a write as it is posted.
     *
     * @param slot   the send queue's slot of the write.
     * @param source the local region's memory.
     * @param offset first byte.
     * @param length bytes.
     */
    void posted(final int slot, final MemorySegment source, final long offset, final int length)
    {
        sources[slot] = source;
        offsets[slot] = offset;
        lengths[slot] = length;
        fingerprints[slot] = fingerprint(source, offset, length);
    }

    /**
     * Checks the source of a write as it completes, and forgets it.
     *
     * @param slot the send queue's slot of the write.
     * @return true if the bytes are those that were posted.
     */
    boolean unchanged(final int slot)
    {
        final MemorySegment source = sources[slot];
        sources[slot] = null;
        return source == null
            || source.scope().isAlive() && fingerprint(source, offsets[slot], lengths[slot]) == fingerprints[slot];
    }

    /** A 64-bit fingerprint of the bytes and their positions: a change goes unseen only if it collides (odds near 2^-64). */
    static long fingerprint(final MemorySegment segment, final long offset, final int length)
    {
        long h = length * MIX;
        long i = 0;
        for (; i + 8 <= length; i += 8)
        {
            h = Long.rotateLeft(h ^ segment.get(LONG, offset + i) * MIX, 29) * MIX + i;
        }
        for (; i < length; i++)
        {
            h = Long.rotateLeft(h ^ segment.get(ValueLayout.JAVA_BYTE, offset + i) * MIX, 29) * MIX + i;
        }
        return h ^ h >>> 31;
    }
}
