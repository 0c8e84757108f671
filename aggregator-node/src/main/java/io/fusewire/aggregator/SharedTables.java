package io.fusewire.aggregator;

import io.fusewire.transport.Connection;
import io.fusewire.transport.MemoryRegion;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the agents name by number in their records: connections (members) and result regions. A
 * slot is filled before the record that names it is committed to a ring, which publishes it.
 */
final class SharedTables
{
    static final int MAX_MEMBERS = 16 * 1024;
    static final int MAX_REGIONS = 4 * 1024;

    private final AtomicReferenceArray<Connection> members = new AtomicReferenceArray<>(MAX_MEMBERS);
    private final AtomicReferenceArray<MemoryRegion> regions = new AtomicReferenceArray<>(MAX_REGIONS);

    /** @return the member's id, or -1 when the table is full. */
    int addMember(final Connection connection)
    {
        return add(members, connection);
    }

    Connection member(final int id)
    {
        return members.get(id);
    }

    void removeMember(final int id)
    {
        members.set(id, null);
    }

    /** @return the region's id, or -1 when the table is full. */
    synchronized int addRegion(final MemoryRegion region)
    {
        return add(regions, region);
    }

    MemoryRegion region(final int id)
    {
        return regions.get(id);
    }

    void removeRegion(final int id)
    {
        regions.set(id, null);
    }

    private static <T> int add(final AtomicReferenceArray<T> table, final T value)
    {
        for (int i = 0; i < table.length(); i++)
        {
            if (table.get(i) == null && table.compareAndSet(i, null, value))
            {
                return i;
            }
        }
        return -1;
    }
}
