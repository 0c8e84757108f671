package io.fusewire.perf.gpu;

import io.fusewire.gpu.Cuda;
import io.fusewire.gpu.GpuInfo;
import io.fusewire.gpu.PeerMemory;
import io.fusewire.topology.host.HostDiscovery;
import io.fusewire.topology.host.HostTopology;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fusewire gpu}: the CUDA driver, its devices, their GPUDirect abilities and how far each is from each NIC. */
@Command(name = "gpu", mixinStandardHelpOptions = true,
    description = {"The CUDA driver and its devices: name, memory, PCI address, compute capability, GPUDirect RDMA and dma-buf",
        "support, whether nvidia-peermem is loaded, the PCI distance to each NIC, and which path a device AllReduce takes.",
        "On a host without a driver or a GPU: one line saying so, exit code 1. Nothing else in Fusewire needs a GPU."})
public final class GpuCommand implements Callable<Integer>
{
    private static final Path SYS = Path.of("/sys");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Optional<String> unavailable = Cuda.unavailable();
        if (unavailable.isPresent())
        {
            spec.commandLine().getErr().println("fusewire gpu: " + unavailable.get());
            return 1;
        }
        final int version = Cuda.driverVersion();
        out.printf(Locale.ROOT, "CUDA driver: CUDA %d.%d%s%n", version / 1000, version % 1000 / 10, kernelDriver());
        final Optional<String> peerMemory = PeerMemory.loaded(SYS);
        out.println("peer memory module: " + peerMemory.orElse("not loaded (ibv_reg_mr of GPU memory needs nvidia_peermem; dma-buf does not)"));
        final HostTopology host = HostDiscovery.discover();
        final List<HostTopology.RdmaDevice> rdma = host.rdma();
        final List<GpuInfo> devices = Cuda.devices();
        if (devices.isEmpty())
        {
            out.println("no devices");
        }
        for (final GpuInfo gpu : devices)
        {
            out.println(gpu.describe());
            host.distances().stream().filter(d -> d.gpu().equalsIgnoreCase(gpu.pciBusId()))
                .forEach(d -> out.println("  to NIC " + d.nic() + rdmaName(rdma, d.nic()) + ": " + d.distance()));
            out.println("  device AllReduce: " + path(gpu, rdma, peerMemory.isPresent()));
        }
        out.flush();
        return 0;
    }

    private static String rdmaName(final List<HostTopology.RdmaDevice> rdma, final String nic)
    {
        return rdma.stream().filter(r -> r.netdev().equals(nic)).map(r -> " (RDMA " + r.name() + ")").findFirst().orElse("");
    }

    /** Which way a device tensor's AllReduce goes on this host, and why. */
    static String path(final GpuInfo gpu, final List<HostTopology.RdmaDevice> rdma, final boolean peerMemory)
    {
        if (rdma.isEmpty())
        {
            return "staged through pinned host slots (no RDMA device on this host)";
        }
        if (gpu.dmaBuf() || gpu.gpuDirectRdma() && peerMemory)
        {
            return "staged through pinned host slots (GPUDirect possible: " + (gpu.dmaBuf() ? "dma-buf" : "nvidia_peermem")
                + "; registration of GPU memory with the NIC is not built yet)";
        }
        return "staged through pinned host slots (the device offers neither dma-buf nor GPUDirect RDMA with nvidia_peermem)";
    }

    private static String kernelDriver()
    {
        try
        {
            final Path version = SYS.resolve("module/nvidia/version");
            return Files.isReadable(version) ? ", kernel driver " + Files.readString(version).strip() : "";
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
