package io.fusewire.perf.topo;

import io.fusewire.topology.probe.ProbeAgent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** One host's probe agent of {@code fusewire topo --probe}: announces itself, then serves commands from its input. */
@Command(name = "probe-agent", hidden = true, mixinStandardHelpOptions = true, description = "One host's agent of 'fusewire topo --probe'.")
public final class ProbeAgentCommand implements Callable<Integer>
{
    /** The line that tells the launcher where the agent answers probes. */
    static final String ANNOUNCEMENT = "probe-agent listening ";

    @Option(names = "--address", required = true, description = "This host's IPv4 address.")
    String address;

    @Option(names = "--transport", defaultValue = "tcp", description = "The transport the probes use (default: ${DEFAULT-VALUE}).")
    String transport;

    @Override
    public Integer call() throws IOException
    {
        try (ProbeAgent agent = new ProbeAgent(transport, address))
        {
            System.out.println(ANNOUNCEMENT + agent.announcement());
            System.out.flush();
            agent.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out);
        }
        return 0;
    }
}
