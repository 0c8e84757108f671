package io.fusewire.topology.store;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A small key-value store for rendezvous, as Gloo's: processes of a job publish what the others
 * need (addresses, descriptors) and wait for it. Every wait has a bound.
 */
public interface Store extends AutoCloseable
{
    /**
     * Sets a key, replacing its value, and wakes those waiting for it.
     *
     * @param key   at most 1024 UTF-8 bytes.
     * @param value at most 1 MiB.
     */
    void set(String key, byte[] value);

    /**
     * Waits until a key is set and returns its value.
     *
     * @param key     the key.
     * @param timeout how long to wait.
     * @return the value.
     * @throws TimeoutException naming the key if it was not set in time.
     */
    byte[] get(String key, Duration timeout) throws TimeoutException;

    /**
     * Adds to a counter kept under a key (created at 0), atomically: how a job counts arrivals.
     *
     * @param key   the key.
     * @param delta what to add.
     * @return the new value.
     */
    long add(String key, long delta);

    /**
     * @param key the key.
     * @return true if it is set, without waiting.
     */
    boolean check(String key);

    @Override
    void close();

    /** Longest key in UTF-8 bytes. */
    int MAX_KEY = 1024;
    /** Longest value. */
    int MAX_VALUE = 1 << 20;

    /**
     * @param key   a key.
     * @param value its value, or null.
     * @throws IllegalArgumentException if either is too long or the key empty.
     */
    static void checkSizes(final String key, final byte[] value)
    {
        final int keyBytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (keyBytes == 0 || keyBytes > MAX_KEY)
        {
            throw new IllegalArgumentException("store keys take 1.." + MAX_KEY + " UTF-8 bytes; got " + keyBytes);
        }
        if (value != null && value.length > MAX_VALUE)
        {
            throw new IllegalArgumentException("store values take at most " + MAX_VALUE + " bytes; got " + value.length
                + " for key '" + key + "'");
        }
    }
}
