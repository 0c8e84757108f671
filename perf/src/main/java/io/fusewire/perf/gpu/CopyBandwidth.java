package io.fusewire.perf.gpu;

import io.fusewire.gpu.CopyStream;
import io.fusewire.gpu.DeviceBuffer;
import io.fusewire.gpu.GpuContext;
import io.fusewire.gpu.PinnedBuffer;

/** Copy bandwidth between pinned host memory and a device: one asynchronous copy of the whole buffer on a stream, waited for. */
final class CopyBandwidth
{
    /**
     * @param toHost   GB/s of each device-to-host copy.
     * @param toDevice GB/s of each host-to-device copy.
     */
    record Result(double[] toHost, double[] toDevice)
    {
    }

    private CopyBandwidth()
    {
    }

    /**
     * @param gpu   the device.
     * @param bytes per copy.
     * @param reps  copies each way, after one untimed each way.
     * @return the bandwidths.
     */
    static Result measure(final GpuContext gpu, final long bytes, final int reps)
    {
        final double[] toHost = new double[reps];
        final double[] toDevice = new double[reps];
        try (PinnedBuffer host = gpu.allocatePinned(bytes); DeviceBuffer device = gpu.allocate(bytes); CopyStream stream = gpu.openStream())
        {
            final long hostAddress = host.segment().address();
            for (int rep = -1; rep < reps; rep++)
            {
                final long downNs = System.nanoTime();
                finish(stream, stream.toHost(hostAddress, device.address(), bytes), bytes);
                final double down = bytes / ((System.nanoTime() - downNs) / 1e9) / 1e9;
                final long upNs = System.nanoTime();
                finish(stream, stream.toDevice(device.address(), hostAddress, bytes), bytes);
                final double up = bytes / ((System.nanoTime() - upNs) / 1e9) / 1e9;
                if (rep >= 0)
                {
                    toHost[rep] = down;
                    toDevice[rep] = up;
                }
            }
        }
        return new Result(toHost, toDevice);
    }

    /** Waits until the stream is done with the copy just queued. */
    private static void finish(final CopyStream stream, final int queued, final long bytes)
    {
        if (queued != 0)
        {
            throw new IllegalStateException("the driver refused a copy of " + bytes + " bytes: CUresult " + queued);
        }
        stream.synchronize();
    }
}
