package io.fusewire.gpu;

import java.util.Locale;

/**
 * One CUDA device as the driver describes it.
 *
 * @param ordinal         its ordinal, as CUDA_VISIBLE_DEVICES numbers them.
 * @param name            e.g. NVIDIA H200.
 * @param totalBytes      its memory.
 * @param pciBusId        its PCI address, e.g. 0000:19:00.0.
 * @param major           compute capability, major.
 * @param minor           compute capability, minor.
 * @param multiprocessors streaming multiprocessors.
 * @param gpuDirectRdma   whether the device supports GPUDirect RDMA (a NIC writing its memory through nvidia-peermem).
 * @param dmaBuf          whether its memory can be exported as a dma-buf (for {@code ibv_reg_dmabuf_mr}).
 */
public record GpuInfo(int ordinal, String name, long totalBytes, String pciBusId, int major, int minor, int multiprocessors,
    boolean gpuDirectRdma, boolean dmaBuf)
{
    /** @return one line: ordinal, name, memory, bus, capability and GPUDirect abilities. */
    public String describe()
    {
        return String.format(Locale.ROOT, "GPU %d: %s, %.1f GiB, PCI %s, compute %d.%d, %d SMs, GPUDirect RDMA %s, dma-buf %s",
            ordinal, name, totalBytes / (double)(1L << 30), pciBusId, major, minor, multiprocessors, gpuDirectRdma ? "yes" : "no",
            dmaBuf ? "yes" : "no");
    }
}
