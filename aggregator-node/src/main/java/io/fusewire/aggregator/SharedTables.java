package io.fusewire.aggregator;

import io.fusewire.transport.Connection;
import io.fusewire.transport.MemoryRegion;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the agents name by number in their records: connections (members) and result regions. A
 * slot is filled before the record that names it is committed to a ring, which publishes it.
 *
 * <p>A member id is its slot plus a generation above the slot bits, so an id outlives its
 * connection harmlessly: a record still naming a member that left finds no connection, even after
 * the slot went to a newcomer.
 */
final class SharedTables
{
    static final int MAX_MEMBERS = 16 * 1024;
    static final int MAX_REGIONS = 4 * 1024;

    private final AtomicReferenceArray<Connection> members = new AtomicReferenceArray<>(MAX_MEMBERS);
    private final AtomicIntegerArray memberIds = new AtomicIntegerArray(MAX_MEMBERS);
    private int generation;
    private final AtomicReferenceArray<MemoryRegion> regions = new AtomicReferenceArray<>(MAX_REGIONS);

    /** @return the member's id, or -1 when the table is full. Transport agent only. */
    int addMember(final Connection connection)
    {
        final int slot = add(members, connection);
        if (slot < 0)
        {
            return -1;
        }
        generation = (generation + 1) & (Integer.MAX_VALUE / MAX_MEMBERS);
        final int id = generation * MAX_MEMBERS + slot;
        memberIds.set(slot, id);
        return id;
    }

    /** @return the member's connection, or null if that member left. */
    Connection member(final int id)
    {
        final int slot = slot(id);
        return memberIds.get(slot) == id ? members.get(slot) : null;
    }

    void removeMember(final int id)
    {
        final int slot = slot(id);
        if (memberIds.get(slot) == id)
        {
            memberIds.set(slot, -1);
            members.set(slot, null);
        }
    }

    /** @return the slot of a member id, for arrays indexed by member. */
    static int slot(final int id)
    {
        return id & (MAX_MEMBERS - 1);
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
