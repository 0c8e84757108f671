package io.fusewire.perf.gpu;

import io.fusewire.gpu.DeviceBuffer;
import io.fusewire.gpu.GpuContext;
import io.fusewire.gpu.PinnedBuffer;
import io.fusewire.perf.soak.ProcessMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Allocates and frees device memory, driver-pinned host memory and a pinned view of plain host
 * memory many times, and reads what the device and the process hold before and after: whatever
 * leaks grows with the cycles.
 */
final class AllocationCycles
{
    /**
     * @param cycles           how many.
     * @param deviceFreeBefore the device's free bytes before.
     * @param deviceFreeAfter  after.
     * @param rssBefore        this process's resident set before, bytes.
     * @param rssAfter         after.
     * @param openAfter        buffers the context still counted as open after.
     */
    record Result(int cycles, long deviceFreeBefore, long deviceFreeAfter, long rssBefore, long rssAfter, int openAfter)
    {
        /**
         * Leaked device memory shows in the device's free bytes, leaked pinned memory in the resident set: half of
         * what a cycle allocates, times the cycles, is the bound (at least 64 MiB for the resident set's own noise).
         */
        boolean leaked(final long deviceBytesPerCycle, final long hostBytesPerCycle)
        {
            return openAfter != 0 || deviceFreeBefore - deviceFreeAfter >= deviceBytesPerCycle * cycles / 2
                || rssAfter - rssBefore >= Math.max(64L << 20, hostBytesPerCycle * cycles / 2);
        }
    }

    private AllocationCycles()
    {
    }

    static Result run(final GpuContext gpu, final int cycles, final long bytes)
    {
        final long pid = ProcessHandle.current().pid();
        final long deviceFreeBefore = gpu.memoryInfo()[0];
        final long rssBefore = ProcessMemory.rssBytes(pid);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment plain = arena.allocate(bytes, 4096);
            for (int cycle = 0; cycle < cycles; cycle++)
            {
                try (DeviceBuffer device = gpu.allocate(bytes); PinnedBuffer pinned = gpu.allocatePinned(bytes); PinnedBuffer view = gpu.pin(plain))
                {
                    device.copyFrom(pinned.segment());
                    device.copyTo(view.segment());
                }
            }
        }
        return new Result(cycles, deviceFreeBefore, gpu.memoryInfo()[0], rssBefore, ProcessMemory.rssBytes(pid), gpu.openResources());
    }
}
