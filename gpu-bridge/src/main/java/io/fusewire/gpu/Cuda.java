package io.fusewire.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Whether this process can use CUDA, and the devices it sees. The first call loads the driver
 * library and initialises it once; where either fails, {@link #unavailable()} says why in one
 * sentence and nothing else here may be called. Nothing in Fusewire needs a GPU.
 */
public final class Cuda
{
    private static final String UNAVAILABLE = initialise();

    private Cuda()
    {
    }

    private static String initialise()
    {
        final String absence = CudaLibrary.absence();
        if (absence != null)
        {
            return absence;
        }
        final int rc;
        try
        {
            rc = Cu.init();
        }
        catch (final ExceptionInInitializerError | NoSuchElementException ex)
        {
            return "the CUDA driver in " + CudaLibrary.NAME + " lacks a call Fusewire needs (" + (ex.getCause() != null ? ex.getCause() : ex)
                .getMessage() + "): update the NVIDIA driver";
        }
        if (rc != Cu.SUCCESS)
        {
            return "the CUDA driver is installed but cuInit failed: " + Cu.errorName(rc) + " (" + rc + ")"
                + (rc == 100 ? ": no GPU is visible to this process (check CUDA_VISIBLE_DEVICES and nvidia-smi)" : "");
        }
        return null;
    }

    /** @return why CUDA cannot be used here (no driver, no device), or empty where it can. */
    public static Optional<String> unavailable()
    {
        return Optional.ofNullable(UNAVAILABLE);
    }

    /**
     * @return the driver's CUDA version, e.g. 13000 for 13.0.
     * @throws IllegalStateException where CUDA is unavailable, saying why.
     */
    public static int driverVersion()
    {
        requireAvailable();
        return Cu.driverVersion();
    }

    /**
     * @return every device the driver sees, in ordinal order.
     * @throws IllegalStateException where CUDA is unavailable, saying why.
     */
    public static List<GpuInfo> devices()
    {
        requireAvailable();
        final List<GpuInfo> devices = new ArrayList<>();
        for (int ordinal = 0, count = Cu.deviceCount(); ordinal < count; ordinal++)
        {
            final int device = Cu.device(ordinal);
            devices.add(new GpuInfo(ordinal, Cu.deviceName(device), Cu.totalMemory(device), Cu.pciBusId(device),
                Cu.attribute(device, Cu.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR), Cu.attribute(device, Cu.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                Cu.attribute(device, Cu.ATTRIBUTE_MULTIPROCESSOR_COUNT), Cu.attribute(device, Cu.ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED) != 0,
                Cu.attribute(device, Cu.ATTRIBUTE_DMA_BUF_SUPPORTED) != 0));
        }
        return devices;
    }

    /** @throws IllegalStateException where CUDA is unavailable, saying why. */
    static void requireAvailable()
    {
        if (UNAVAILABLE != null)
        {
            throw new IllegalStateException(UNAVAILABLE);
        }
    }
}
