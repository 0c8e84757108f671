package io.fusewire.transport.shm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A file mapped read-write into this process.
 *
 * @param path    the file.
 * @param segment the mapping.
 * @param arena   owns the mapping; closing it unmaps.
 */
record MappedFile(Path path, MemorySegment segment, Arena arena) implements AutoCloseable
{
    @Override
    public void close()
    {
        arena.close();
    }
}
