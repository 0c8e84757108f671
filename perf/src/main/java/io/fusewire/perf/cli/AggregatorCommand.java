package io.fusewire.perf.cli;

import io.fusewire.aggregator.AggregatorContext;
import io.fusewire.aggregator.AggregatorNode;
import io.fusewire.transport.support.HostPort;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fusewire aggregator}: runs an aggregator daemon until the process is stopped. */
@Command(name = "aggregator", mixinStandardHelpOptions = true,
    description = {"Run an aggregator daemon: admits jobs, sums their chunks, sends the sums back.",
        "Options override the config file, which overrides fusewire.* system properties."})
public final class AggregatorCommand implements Callable<Integer>
{
    @Option(names = "--listen", description = "host:port to listen on (default " + AggregatorContext.LISTEN_DEFAULT + ").")
    String listen;

    @Option(names = "--transport", description = "shm, tcp or verbs (default " + AggregatorContext.TRANSPORT_DEFAULT + ").")
    String transport;

    @Option(names = "--store", description = "host:port where to serve a rendezvous store as well (tcp://).")
    String store;

    @Option(names = "--placement", paramLabel = "FILE", description = {"Listen where this job placement (`fusewire topo --place`)",
        "puts this aggregator: the entry --index names, or the one whose address is on this host; in a two-tier placement",
        "(topo --place ... --two-tier) also its rack and the other racks' aggregators, as --rack and --owners."})
    Path placement;

    @Option(names = "--index", paramLabel = "I", description = "Which aggregator of --placement this is (0-based).")
    Integer index;

    @Option(names = "--rack", paramLabel = "R", description = {"Be rack R's aggregator of a two-tier hierarchy: send each rack sum to",
        "the rack aggregator that owns its chunk (--owners) and pass the total down."})
    Integer rack;

    @Option(names = "--owners", split = ",", paramLabel = "HOST:PORT", description = "With --rack: every rack aggregator, in rack order.")
    List<String> owners;

    @Option(names = "--metrics-port", paramLabel = "P", description = {"Serve Prometheus metrics (/metrics) and a plain-text status",
        "(/status, what `fusewire stat --remote HOST:P` prints) on port P of the --listen host."})
    Integer metricsPort;

    @Option(names = "--standby", description = {"Be a standby: run a few jobs through this daemon before it says it listens, so",
        "that the chunks it takes over from a failed aggregator find it warm (workers list it in FUSEWIRE_STANDBYS)."})
    boolean standby;

    @Option(names = "--config", description = "A .properties file of fusewire.aggregator.* and fusewire.transport.* settings.")
    Path config;

    @Override
    public Integer call() throws InterruptedException
    {
        final AggregatorContext context = config != null ? AggregatorContext.fromFile(config) : AggregatorContext.fromProperties(null);
        if (placement != null && listen != null)
        {
            throw new IllegalArgumentException("--placement and --listen both say where to listen: give one");
        }
        if (placement == null && index != null)
        {
            throw new IllegalArgumentException("--index picks an aggregator of --placement FILE: add it");
        }
        final PlacedAggregator placed = placement == null ? null : PlacedAggregator.of(placement, index);
        if (placed != null)
        {
            context.listen(placed.listen());
            if (placed.rack() >= 0 && (rack != null || owners != null))
            {
                throw new IllegalArgumentException("--rack and --owners: the two-tier placement " + placement + " already says them");
            }
            if (placed.rack() >= 0)
            {
                rack = placed.rack();
                owners = placed.owners();
            }
        }
        if (listen != null)
        {
            context.listen(listen);
        }
        if (transport != null)
        {
            context.transport(transport);
        }
        if (store != null)
        {
            context.storeListen(store);
        }
        if (standby)
        {
            context.standby(true);
        }
        if (metricsPort != null)
        {
            if (metricsPort < 0 || metricsPort > 65_535)
            {
                throw new IllegalArgumentException("--metrics-port " + metricsPort + ": a port is 0 to 65535");
            }
            context.metricsListen(HostPort.parse(context.listen()).getHostString() + ":" + metricsPort);
        }
        if ((rack == null) != (owners == null))
        {
            throw new IllegalArgumentException("--rack and --owners go together: this rack's index and every rack aggregator's address");
        }
        try (AggregatorNode node = AggregatorNode.launch(context))
        {
            if (rack != null)
            {
                node.uplinks(rack, owners);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(node::close, "fusewire-aggregator-shutdown"));
            System.out.println(AggregatorNode.LISTENING + node.address());
            System.out.flush();
            Thread.currentThread().join();
        }
        return 0;
    }
}
