package io.fusewire.transport;

/**
 * What a peer needs to write into a registered region: its key, base address and length. Small
 * and serialisable; exchanged when a connection is set up ({@link Connection#remoteRegions()}).
 * Writes address the region by offset from its start.
 *
 * @param key     the remote key; a write naming another key is refused.
 * @param address the region's base address in its owner's address space (verbs uses it; other
 *                providers report it for information).
 * @param length  the region's length in bytes.
 */
public record RemoteRegion(int key, long address, long length)
{
    /**
     * @param key     the remote key.
     * @param address the base address.
     * @param length  the length in bytes, at least 1.
     */
    public RemoteRegion
    {
        if (length <= 0)
        {
            throw new IllegalArgumentException("region length must be positive: " + length);
        }
    }

    @Override
    public String toString()
    {
        return "RemoteRegion[key=0x" + Integer.toHexString(key) + ", length=" + length + "]";
    }
}
