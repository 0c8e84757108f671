package io.fusewire.perf.cli;

import java.util.List;

/**
 * Where the processes of a harness run go: all on this host's loopback ({@link #LOCAL}), or each
 * in a host of an emulated cluster, a network namespace, listening on its host's address. The
 * rendezvous store of the baselines then runs in worker 0's host.
 *
 * @param workerNamespaces     per rank, its host's namespace; empty for local.
 * @param workerAddresses      per rank, its host's address; empty for local.
 * @param aggregatorNamespaces per aggregator, its host's namespace; empty for local.
 * @param aggregatorAddresses  per aggregator, the address it listens on; empty for local.
 */
public record Placement(List<String> workerNamespaces, List<String> workerAddresses, List<String> aggregatorNamespaces,
    List<String> aggregatorAddresses)
{
    /** Every process on this host, on loopback. */
    public static final Placement LOCAL = new Placement(List.of(), List.of(), List.of(), List.of());

    private static final String LOOPBACK = "127.0.0.1";

    /** @return whether every process runs on this host, on loopback. */
    boolean isLocal()
    {
        return workerNamespaces.isEmpty();
    }

    /** @return what runs a rank's process inside its host (empty: as it is). */
    List<String> workerWrapper(final int rank)
    {
        return isLocal() ? List.of() : List.of("ip", "netns", "exec", workerNamespaces.get(rank));
    }

    /** @return the address a rank's process listens on (for peers, as the ring's). */
    String workerHost(final int rank)
    {
        return isLocal() ? LOOPBACK : workerAddresses.get(rank);
    }

    /** @return what runs an aggregator's process inside its host (empty: as it is). */
    List<String> aggregatorWrapper(final int aggregator)
    {
        return aggregatorNamespaces.isEmpty() ? List.of() : List.of("ip", "netns", "exec", aggregatorNamespaces.get(aggregator));
    }

    /** @return where an aggregator listens, any port. */
    String aggregatorListen(final int aggregator)
    {
        return (aggregatorAddresses.isEmpty() ? LOOPBACK : aggregatorAddresses.get(aggregator)) + ":0";
    }
}
