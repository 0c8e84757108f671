package io.fusewire.transport.support;

import java.net.InetSocketAddress;

/** Parses the host:port strings of the API. */
public final class HostPort
{
    private HostPort()
    {
    }

    /**
     * @param hostPort as host:port; IPv6 hosts in brackets, [::1]:4000.
     * @return the unresolved address.
     * @throws IllegalArgumentException saying what the string should look like.
     */
    public static InetSocketAddress parse(final String hostPort)
    {
        final int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1)
        {
            throw new IllegalArgumentException("'" + hostPort + "' is not host:port, e.g. 127.0.0.1:40000");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + hostPort + "' has no numeric port, e.g. 127.0.0.1:40000");
        }
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("port " + port + " in '" + hostPort + "' is outside 0..65535");
        }
        return new InetSocketAddress(host, port);
    }

    /**
     * @param address a socket address.
     * @return it as host:port.
     */
    public static String format(final InetSocketAddress address)
    {
        final String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
