package io.fusewire.perf.cli;

import io.fusewire.topology.store.StoreServer;
import io.fusewire.transport.support.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fusewire store}: serves a rendezvous store until the process is stopped. */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = {"Serve a rendezvous store (set, get, add with bounded waits) through which ring and HFBA workers find each",
        "other: give them --store tcp://HOST:PORT as printed."})
public final class StoreCommand implements Callable<Integer>
{
    /** The line that says where the store listens. */
    public static final String LISTENING = "store listening on ";

    @Option(names = "--listen", defaultValue = "127.0.0.1:0", description = "host:port to listen on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Override
    public Integer call() throws IOException, InterruptedException
    {
        final InetSocketAddress address = HostPort.parse(listen);
        final StoreServer store = new StoreServer(address.getHostString(), address.getPort());
        Runtime.getRuntime().addShutdownHook(new Thread(store::close, "fusewire-store-shutdown"));
        System.out.println(LISTENING + "tcp://" + store.address());
        System.out.flush();
        Thread.currentThread().join(); // until the process is stopped; the hook closes the store
        return 0;
    }
}
