package io.fusewire.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether the kernel module that lets a NIC register GPU memory with plain {@code ibv_reg_mr} is
 * loaded: nvidia-peermem (the driver's own since 465), or the older out-of-tree nv_peer_mem. Read
 * from sysfs, so it needs no driver call. dma-buf registration needs neither.
 */
public final class PeerMemory
{
    private static final String[] MODULES = {"nvidia_peermem", "nv_peer_mem"};

    private PeerMemory()
    {
    }

    /**
     * @param sys the sysfs root, {@code /sys} on a host.
     * @return the loaded module with its version where the module says it, e.g. "nvidia_peermem 580.65.06"; empty if none is loaded.
     */
    public static Optional<String> loaded(final Path sys)
    {
        for (final String module : MODULES)
        {
            final Path dir = sys.resolve("module").resolve(module);
            if (Files.isDirectory(dir))
            {
                return Optional.of(module + version(dir.resolve("version")));
            }
        }
        return Optional.empty();
    }

    private static String version(final Path file)
    {
        try
        {
            return Files.isReadable(file) ? " " + Files.readString(file).strip() : "";
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
