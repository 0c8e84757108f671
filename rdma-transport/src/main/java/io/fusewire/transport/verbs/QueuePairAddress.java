package io.fusewire.transport.verbs;

import java.net.ProtocolException;
import java.util.HexFormat;

/**
 * What a peer needs to bring its queue pair to RTS towards this one, carried as the endpoint of
 * the handshake's hello: {@code qpn:psn:lid:mtu:gid}, numbers in decimal, the GID as 32 hex digits.
 *
 * @param qpn the queue pair number (24 bits).
 * @param psn the first packet sequence number this side sends (24 bits).
 * @param lid the port's local identifier (InfiniBand; 0 on RoCE).
 * @param mtu the port's active MTU, as the ibv_mtu enum (1 = 256 bytes .. 5 = 4096 bytes).
 * @param gid the port's global identifier, 16 bytes.
 */
record QueuePairAddress(int qpn, int psn, int lid, int mtu, byte[] gid)
{
    private static final HexFormat HEX = HexFormat.of();

    String encode()
    {
        return qpn + ":" + psn + ":" + lid + ":" + mtu + ":" + HEX.formatHex(gid);
    }

    /**
     * @param endpoint the peer's hello endpoint.
     * @return the address.
     * @throws ProtocolException if it is not one.
     */
    static QueuePairAddress decode(final String endpoint) throws ProtocolException
    {
        final String[] parts = endpoint.split(":", -1);
        try
        {
            if (parts.length == 5 && parts[4].length() == 32)
            {
                final QueuePairAddress address = new QueuePairAddress(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]), Integer.parseInt(parts[3]), HEX.parseHex(parts[4]));
                if (address.qpn >>> 24 == 0 && address.psn >>> 24 == 0 && address.lid >>> 16 == 0
                    && address.mtu >= 1 && address.mtu <= 5)
                {
                    return address;
                }
            }
        }
        catch (final IllegalArgumentException ex)
        {
            // reported below
        }
        throw new ProtocolException("the peer's queue pair address '" + endpoint + "' is not qpn:psn:lid:mtu:gid");
    }
}
