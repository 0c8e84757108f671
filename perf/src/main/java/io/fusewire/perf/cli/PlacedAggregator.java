package io.fusewire.perf.cli;

import io.fusewire.topology.groups.PlacementDocument;
import io.fusewire.transport.support.HostPort;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Where a placement document puts the aggregator being started on this host. */
final class PlacedAggregator
{
    private PlacedAggregator()
    {
    }

    /**
     * @param file  the placement.
     * @param index which of its aggregators; null for the one whose address is on this host.
     * @return host:port to listen on.
     * @throws IllegalArgumentException if the file is wrong, the index out of range, or this host holds none or several.
     */
    static String listen(final Path file, final Integer index)
    {
        final List<String> listen = PlacementDocument.read(file).aggregatorListen();
        if (index != null)
        {
            if (index < 0 || index >= listen.size())
            {
                throw new IllegalArgumentException("--index " + index + ": the placement has aggregators 0 to " + (listen.size() - 1));
            }
            return listen.get(index);
        }
        final Set<String> local = localAddresses();
        final List<Integer> here = IntStream.range(0, listen.size()).filter(i -> local.contains(HostPort.parse(listen.get(i)).getHostString()))
            .boxed().toList();
        if (here.size() != 1)
        {
            throw new IllegalArgumentException("the placement puts " + here.size() + " aggregators on this host's addresses "
                + local.stream().sorted().collect(Collectors.joining(", ")) + " (" + String.join(", ", listen) + "): say which with --index");
        }
        return listen.get(here.getFirst());
    }

    private static Set<String> localAddresses()
    {
        try
        {
            return NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses).map(InetAddress::getHostAddress)
                .collect(Collectors.toSet());
        }
        catch (final SocketException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
