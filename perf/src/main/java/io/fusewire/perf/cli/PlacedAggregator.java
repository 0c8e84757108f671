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

/**
 * Where a placement document puts the aggregator being started on this host.
 *
 * @param listen host:port to listen on.
 * @param rack   in a two-tier placement, its rack's index among the racks with aggregators; -1 in a flat one.
 * @param owners in a two-tier placement, the listen addresses of its shard in every rack (itself included), in rack order;
 *               empty in a flat one.
 */
record PlacedAggregator(String listen, int rack, List<String> owners)
{
    /**
     * @param file  the placement.
     * @param index which of its aggregators; null for the one whose address is on this host.
     * @return where it listens, and in a two-tier placement its rack and the other rack aggregators.
     * @throws IllegalArgumentException if the file is wrong, the index out of range, or this host holds none or several.
     */
    static PlacedAggregator of(final Path file, final Integer index)
    {
        final PlacementDocument placement = PlacementDocument.read(file);
        final int at = index(placement.aggregatorListen(), index);
        return placement.twoTier() ? new PlacedAggregator(placement.aggregatorListen().get(at), at / placement.shardsPerRack(),
            placement.tierTwoPeers(at))
            : new PlacedAggregator(placement.aggregatorListen().get(at), -1, List.of());
    }

    private static int index(final List<String> listen, final Integer index)
    {
        if (index != null)
        {
            if (index < 0 || index >= listen.size())
            {
                throw new IllegalArgumentException("--index " + index + ": the placement has aggregators 0 to " + (listen.size() - 1));
            }
            return index;
        }
        final Set<String> local = localAddresses();
        final List<Integer> here = IntStream.range(0, listen.size()).filter(i -> local.contains(HostPort.parse(listen.get(i)).getHostString()))
            .boxed().toList();
        if (here.size() != 1)
        {
            throw new IllegalArgumentException("the placement puts " + here.size() + " aggregators on this host's addresses "
                + local.stream().sorted().collect(Collectors.joining(", ")) + " (" + String.join(", ", listen) + "): say which with --index");
        }
        return here.getFirst();
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
