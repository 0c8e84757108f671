package io.fusewire.perf.cli;

import java.util.List;

/**
 * Where the processes of a harness run go: all on this host's loopback ({@link #LOCAL}), or each
 * in a host of an emulated cluster, a network namespace, with the aggregators listening on their
 * hosts' addresses.
 *
 * @param workerNamespaces     per rank, its host's namespace; empty for local.
 * @param aggregatorNamespaces per aggregator, its host's namespace; empty for local.
 * @param aggregatorAddresses  per aggregator, the address it listens on; empty for local.
 */
public record Placement(List<String> workerNamespaces, List<String> aggregatorNamespaces, List<String> aggregatorAddresses)
{
    /** Every process on this host, on loopback. */
    public static final Placement LOCAL = new Placement(List.of(), List.of(), List.of());

    /** @return what runs a rank's process inside its host (empty: as it is). */
    List<String> workerWrapper(final int rank)
    {
        return workerNamespaces.isEmpty() ? List.of() : List.of("ip", "netns", "exec", workerNamespaces.get(rank));
    }

    /** @return what runs an aggregator's process inside its host (empty: as it is). */
    List<String> aggregatorWrapper(final int aggregator)
    {
        return aggregatorNamespaces.isEmpty() ? List.of() : List.of("ip", "netns", "exec", aggregatorNamespaces.get(aggregator));
    }

    /** @return where an aggregator listens, any port. */
    String aggregatorListen(final int aggregator)
    {
        return (aggregatorAddresses.isEmpty() ? "127.0.0.1" : aggregatorAddresses.get(aggregator)) + ":0";
    }
}
