package io.fusewire.perf.topo;

import io.fusewire.topology.probe.ProbeAgent;
import io.fusewire.topology.probe.ProbeControlServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One host's probe agent of {@code fusewire topo --probe}: announces itself, then serves commands
 * from its input (a testbed's, started by the launcher) or, with {@code --control}, from controllers
 * over TCP until stopped (a real host's, started by its operator).
 */
@Command(name = "probe-agent", mixinStandardHelpOptions = true,
    description = {"One host's agent of 'fusewire topo --probe --hosts': answers probes from the other hosts' agents and the",
        "commands of 'topo' over TCP (--control); runs until stopped."})
public final class ProbeAgentCommand implements Callable<Integer>
{
    /** The line that tells the launcher where the agent answers probes. */
    static final String ANNOUNCEMENT = "probe-agent listening ";

    @Option(names = "--address", required = true, description = "This host's IPv4 address: where it answers probes and controllers.")
    String address;

    @Option(names = "--transport", defaultValue = "tcp", description = "The transport the probes use (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--control", arity = "0..1", fallbackValue = "" + ProbeControlServer.DEFAULT_PORT, paramLabel = "PORT",
        description = {"Take commands from 'fusewire topo --hosts' on this TCP port of --address (default "
            + ProbeControlServer.DEFAULT_PORT + "), one controller at a time, instead of from standard input; only from a controller",
            "that proves the probe secret (--secret-file or $FUSEWIRE_PROBE_SECRET). Keep the port on the cluster's network."})
    Integer control;

    @Mixin
    ProbeSecret secret;

    @Override
    public Integer call() throws IOException
    {
        final byte[] proof = control == null ? null : secret.bytes();
        try (ProbeAgent agent = new ProbeAgent(transport, address))
        {
            System.out.println(ANNOUNCEMENT + agent.announcement());
            System.out.flush();
            if (control == null)
            {
                agent.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out);
                return 0;
            }
            try (ProbeControlServer server = control(agent, proof))
            {
                System.out.println("probe-agent: controllers answered on " + address + ":" + server.port());
                System.out.flush();
                server.serve();
            }
        }
        return 0;
    }

    private ProbeControlServer control(final ProbeAgent agent, final byte[] proof) throws IOException
    {
        try
        {
            return new ProbeControlServer(agent, new InetSocketAddress(address, control), proof);
        }
        catch (final BindException ex)
        {
            throw new IllegalArgumentException("--control " + control + ": " + address + ":" + control + " cannot be bound ("
                + ex.getMessage() + "; another probe agent?): choose another port", ex);
        }
    }
}
