package io.fusewire.topology.store;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The keys and values of a store server, with bounded waits. Thread-safe. */
final class StoreMap
{
    private final Map<String, byte[]> values = new HashMap<>();
    private final int maxKeys;

    StoreMap(final int maxKeys)
    {
        this.maxKeys = maxKeys;
    }

    synchronized void set(final String key, final byte[] value)
    {
        Store.checkSizes(key, value);
        if (!values.containsKey(key) && values.size() >= maxKeys)
        {
            throw new IllegalStateException("the store holds " + maxKeys + " keys already; delete some or use another store");
        }
        values.put(key, value.clone());
        notifyAll();
    }

    synchronized byte[] get(final String key, final Duration timeout) throws TimeoutException, InterruptedException
    {
        Store.checkSizes(key, null);
        final long deadline = System.nanoTime() + timeout.toNanos();
        byte[] value;
        while ((value = values.get(key)) == null)
        {
            final long left = deadline - System.nanoTime();
            if (left <= 0)
            {
                throw new TimeoutException("key '" + key + "' was not set within " + timeout.toMillis() + " ms");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return value.clone();
    }

    synchronized long add(final String key, final long delta)
    {
        final byte[] old = values.get(key);
        final long value = (old == null ? 0 : Long.parseLong(new String(old, java.nio.charset.StandardCharsets.US_ASCII))) + delta;
        set(key, Long.toString(value).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return value;
    }

    synchronized boolean check(final String key)
    {
        return values.containsKey(key);
    }
}
