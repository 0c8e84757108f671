package io.fusewire.perf.testbed;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options of a harness command that can run its processes on a testbed's hosts: where, and placed how. */
public final class TestbedOptions
{
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--testbed", arity = "0..1", fallbackValue = "tb", paramLabel = "NAME",
        description = {"Run each process in a host of the testbed NAME (default tb; see `fusewire testbed`), one process per",
            "host, over tcp, placed by --place; a ring's or HFBA's store runs in worker 0's host."})
    String testbed;

    @Option(names = "--place", defaultValue = "topology", paramLabel = "POLICY", description = {"With --testbed: 'topology' (default)",
        "shares workers and aggregators out rack by rack in the job's proportion, over the racks discovered from the hosts' routes;",
        "'in-order' puts workers on the first hosts and aggregators on the last, as a launcher without topology would;",
        "'alternating' deals ranks to the racks in turn (rank 0 in rack 0, rank 1 in rack 1, ...), as a launcher that",
        "interleaves its allocation does."})
    String place;

    /**
     * @param transport the run's transport.
     * @return whether the processes go to a testbed.
     * @throws IllegalArgumentException if --place is given without --testbed, or a testbed with a transport other than tcp.
     */
    public boolean active(final String transport)
    {
        if (testbed == null && spec.commandLine().getParseResult().hasMatchedOption("--place"))
        {
            throw new IllegalArgumentException("--place places processes on a testbed's hosts: add --testbed [NAME]");
        }
        if (testbed != null && !"tcp".equals(transport))
        {
            throw new IllegalArgumentException("--testbed runs over --transport tcp (its hosts share no memory and have no RDMA"
                + " device); got " + transport);
        }
        return testbed != null;
    }

    /** @return the testbed's name; null without --testbed. */
    public String name()
    {
        return testbed;
    }

    /** @return the policy --place names. */
    public String policyName()
    {
        return place;
    }

    /**
     * @param workers     N.
     * @param aggregators A; 0 for the ring, HFBA and the peers.
     * @return the processes placed on the testbed by --place.
     * @throws IllegalArgumentException if the policy is unknown, the testbed is not up or too small.
     */
    public TestbedPlacement.Placed place(final int workers, final int aggregators)
    {
        return place(workers, aggregators, switch (place)
        {
            case "topology" -> TestbedPlacement.Policy.TOPOLOGY;
            case "in-order" -> TestbedPlacement.Policy.IN_ORDER;
            case "alternating" -> TestbedPlacement.Policy.ALTERNATING;
            default -> throw new IllegalArgumentException("--place " + place + ": use topology, in-order or alternating");
        });
    }

    /**
     * @param workers N.
     * @param onHosts whether each rack's tier 1 runs sharded on its worker hosts rather than in its switch.
     * @return a two-tier job placed on the testbed: workers by rack, an aggregator in each rack's switch or on each of its hosts.
     */
    public TestbedPlacement.Placed placeHierarchical(final int workers, final boolean onHosts)
    {
        if (!"topology".equals(place))
        {
            throw new IllegalArgumentException("--algo hierarchical places its workers by the racks it finds: leave --place out");
        }
        return TestbedPlacement.placeHierarchical(testbed, workers, onHosts);
    }

    /**
     * @param workers     N.
     * @param aggregators A.
     * @param policy      how to place, whatever --place says.
     * @return the processes placed on the testbed.
     */
    public TestbedPlacement.Placed place(final int workers, final int aggregators, final TestbedPlacement.Policy policy)
    {
        return TestbedPlacement.place(testbed, workers, aggregators, policy);
    }
}
