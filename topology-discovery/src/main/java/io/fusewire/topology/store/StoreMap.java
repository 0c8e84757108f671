package io.fusewire.topology.store;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** The keys and values of a store server, with bounded waits. Thread-safe: one lock, and a condition that every change signals. */
final class StoreMap
{
    private final Map<String, byte[]> values = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final int maxKeys;

    StoreMap(final int maxKeys)
    {
        this.maxKeys = maxKeys;
    }

    void set(final String key, final byte[] value)
    {
        Store.checkSizes(key, value);
        lock.lock();
        try
        {
            put(key, value.clone());
        }
        finally
        {
            lock.unlock();
        }
    }

    byte[] get(final String key, final Duration timeout) throws TimeoutException, InterruptedException
    {
        Store.checkSizes(key, null);
        final long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try
        {
            byte[] value;
            while ((value = values.get(key)) == null)
            {
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    throw new TimeoutException("key '" + key + "' was not set within " + timeout.toMillis() + " ms");
                }
                changed.awaitNanos(left);
            }
            return value.clone();
        }
        finally
        {
            lock.unlock();
        }
    }

    long add(final String key, final long delta)
    {
        Store.checkSizes(key, null);
        lock.lock();
        try
        {
            final byte[] old = values.get(key);
            final long value = (old == null ? 0 : Long.parseLong(new String(old, StandardCharsets.US_ASCII))) + delta;
            put(key, Long.toString(value).getBytes(StandardCharsets.US_ASCII));
            return value;
        }
        finally
        {
            lock.unlock();
        }
    }

    boolean check(final String key)
    {
        lock.lock();
        try
        {
            return values.containsKey(key);
        }
        finally
        {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void put(final String key, final byte[] value)
    {
        if (!values.containsKey(key) && values.size() >= maxKeys)
        {
            throw new IllegalStateException("the store holds " + maxKeys + " keys already; delete some or use another store");
        }
        values.put(key, value);
        changed.signalAll();
    }
}
