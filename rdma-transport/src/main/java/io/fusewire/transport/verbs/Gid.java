package io.fusewire.transport.verbs;

/**
 * An entry of a port's GID table: what a queue pair puts in the source of its packets and what
 * the peer addresses it by.
 *
 * @param index the entry's index (the sgid index).
 * @param bytes the 16 bytes.
 */
record Gid(int index, byte[] bytes)
{
}
