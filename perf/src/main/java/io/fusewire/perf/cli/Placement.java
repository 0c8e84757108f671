package io.fusewire.perf.cli;

import java.util.List;

/**
 * Where the processes of a harness run go: all on this host's loopback ({@link #LOCAL}), or each
 * in a host of an emulated cluster, started through a wrapper that enters the host (e.g.
 * {@code ip netns exec NS}) and listening on its host's address. The rendezvous store of the
 * baselines then runs in worker 0's host.
 *
 * @param workerWrappers     per rank, what its process runs inside; empty for local.
 * @param workerAddresses    per rank, its host's address; empty for local.
 * @param aggregatorWrappers per aggregator, what its process runs inside; empty for local.
 * @param aggregatorAddresses per aggregator, the address it listens on; empty for local.
 * @param workerGroups        per rank, its group in a two-tier job (its rack): it joins only that group's aggregators, the
 *                            group's {@link #rackShards()} in a row of aggregatorAddresses; empty: every rank joins all.
 */
public record Placement(List<List<String>> workerWrappers, List<String> workerAddresses, List<List<String>> aggregatorWrappers,
    List<String> aggregatorAddresses, List<Integer> workerGroups)
{
    /** A placement whose every worker joins every aggregator. */
    public Placement(final List<List<String>> workerWrappers, final List<String> workerAddresses,
        final List<List<String>> aggregatorWrappers, final List<String> aggregatorAddresses)
    {
        this(workerWrappers, workerAddresses, aggregatorWrappers, aggregatorAddresses, List.of());
    }

    /** Every process on this host, on loopback. */
    public static final Placement LOCAL = new Placement(List.of(), List.of(), List.of(), List.of());

    private static final String LOOPBACK = "127.0.0.1";

    /** @return whether every process runs on this host, on loopback. */
    boolean isLocal()
    {
        return workerWrappers.isEmpty();
    }

    /** @return what runs a rank's process inside its host (empty: as it is). */
    List<String> workerWrapper(final int rank)
    {
        return isLocal() ? List.of() : workerWrappers.get(rank);
    }

    /** @return the address a rank's process listens on (for peers, as the ring's). */
    String workerHost(final int rank)
    {
        return isLocal() ? LOOPBACK : workerAddresses.get(rank);
    }

    /** @return what runs an aggregator's process inside its host (empty: as it is). */
    List<String> aggregatorWrapper(final int aggregator)
    {
        return aggregatorWrappers.isEmpty() ? List.of() : aggregatorWrappers.get(aggregator);
    }

    /** @return where an aggregator listens, any port. */
    String aggregatorListen(final int aggregator)
    {
        return aggregatorAddress(aggregator) + ":0";
    }

    /** @return the address an aggregator listens on. */
    String aggregatorAddress(final int aggregator)
    {
        return aggregatorAddresses.isEmpty() ? LOOPBACK : aggregatorAddresses.get(aggregator);
    }

    /** @return in a two-tier job, the aggregators each rack's tier 1 is sharded over (its rack aggregators); else 1. */
    public int rackShards()
    {
        return workerGroups.isEmpty() ? 1 : aggregatorAddresses.size() / (workerGroups.stream().mapToInt(Integer::intValue).max().orElse(0) + 1);
    }

    /** @return the group (rack) a rank joins the aggregators of, or -1 where it joins every one. */
    int workerGroup(final int rank)
    {
        return workerGroups.isEmpty() ? -1 : workerGroups.get(rank);
    }
}
