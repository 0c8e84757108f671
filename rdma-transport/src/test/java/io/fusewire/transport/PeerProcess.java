package io.fusewire.transport;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A peer in a process of its own that connects and writes until it is killed. */
final class PeerProcess
{
    private PeerProcess()
    {
    }

    static Process start(final String provider, final String address) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PeerProcess.class.getName(), provider, address));
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    public static void main(final String[] args)
    {
        try (Fabric fabric = Fabric.open(args[0], FabricContractTest.testContext()))
        {
            final Device device = fabric.openDefaultDevice();
            final CompletionQueue queue = device.createCompletionQueue();
            final MemoryRegion region = device.allocate(1 << 20);
            final Connection connection = device.connect(args[1], List.of(region), queue);
            final RemoteRegion remote = connection.remoteRegions().getFirst();
            final CompletionHandler ignore = c -> { };
            for (int i = 0; ; i++)
            {
                connection.write(region, 0, 64 * 1024, remote, 0, i, i);
                queue.poll(ignore, 64);
            }
        }
    }
}
