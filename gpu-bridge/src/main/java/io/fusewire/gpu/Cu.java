package io.fusewire.gpu;

import static io.fusewire.transport.support.Downcall.call;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The CUDA driver API calls Fusewire makes, bound once through the foreign function API. Handles
 * (contexts, streams, events) and device pointers travel as longs, as they are on the C ABI.
 * Control-path calls throw {@link CudaException} naming the call and the driver's error; the
 * data-path calls (async copies, event record and query) return the CUresult and never allocate.
 * Initialising this class binds every symbol, so {@link CudaLibrary#absence()} is checked first.
 */
final class Cu
{
    static final int SUCCESS = 0;
    static final int NOT_READY = 600;
    static final int ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED = 116;
    static final int ATTRIBUTE_DMA_BUF_SUPPORTED = 124;
    static final int HOST_ALLOC_PORTABLE = 1;
    static final int HOST_REGISTER_PORTABLE = 1;
    static final int STREAM_DEFAULT = 0;
    static final int EVENT_DISABLE_TIMING = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static final MethodHandle INIT = bind("cuInit", JAVA_INT);
    private static final MethodHandle DRIVER_GET_VERSION = bind("cuDriverGetVersion", ADDRESS);
    private static final MethodHandle DEVICE_GET_COUNT = bind("cuDeviceGetCount", ADDRESS);
    private static final MethodHandle DEVICE_GET = bind("cuDeviceGet", ADDRESS, JAVA_INT);
    private static final MethodHandle DEVICE_GET_NAME = bind("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle DEVICE_TOTAL_MEM = bind("cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
    private static final MethodHandle DEVICE_GET_ATTRIBUTE = bind("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle DEVICE_GET_PCI_BUS_ID = bind("cuDeviceGetPCIBusId", ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle PRIMARY_CTX_RETAIN = bind("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
    private static final MethodHandle PRIMARY_CTX_RELEASE = bind("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
    private static final MethodHandle CTX_SET_CURRENT = bind("cuCtxSetCurrent", JAVA_LONG);
    private static final MethodHandle MEM_GET_INFO = bind("cuMemGetInfo_v2", ADDRESS, ADDRESS);
    private static final MethodHandle MEM_ALLOC = bind("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
    private static final MethodHandle MEM_FREE = bind("cuMemFree_v2", JAVA_LONG);
    private static final MethodHandle MEM_HOST_ALLOC = bind("cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle MEM_FREE_HOST = bind("cuMemFreeHost", JAVA_LONG);
    private static final MethodHandle MEM_HOST_REGISTER = bind("cuMemHostRegister_v2", JAVA_LONG, JAVA_LONG, JAVA_INT);
    private static final MethodHandle MEM_HOST_UNREGISTER = bind("cuMemHostUnregister", JAVA_LONG);
    private static final MethodHandle MEMCPY_HTOD = bind("cuMemcpyHtoD_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle MEMCPY_DTOH = bind("cuMemcpyDtoH_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle MEMCPY_HTOD_ASYNC = bind("cuMemcpyHtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle MEMCPY_DTOH_ASYNC = bind("cuMemcpyDtoHAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle STREAM_CREATE = bind("cuStreamCreate", ADDRESS, JAVA_INT);
    private static final MethodHandle STREAM_DESTROY = bind("cuStreamDestroy_v2", JAVA_LONG);
    private static final MethodHandle STREAM_SYNCHRONIZE = bind("cuStreamSynchronize", JAVA_LONG);
    private static final MethodHandle EVENT_CREATE = bind("cuEventCreate", ADDRESS, JAVA_INT);
    private static final MethodHandle EVENT_DESTROY = bind("cuEventDestroy_v2", JAVA_LONG);
    private static final MethodHandle EVENT_RECORD = LINKER.downcallHandle(CudaLibrary.lookup().findOrThrow("cuEventRecord"),
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
    private static final MethodHandle EVENT_QUERY = LINKER.downcallHandle(CudaLibrary.lookup().findOrThrow("cuEventQuery"),
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    private static final MethodHandle GET_ERROR_NAME = bind("cuGetErrorName", JAVA_INT, ADDRESS);

    private Cu()
    {
    }

    /** @return the CUresult of cuInit(0). */
    static int init()
    {
        return (int)call(() -> (int)INIT.invokeExact(0));
    }

    /** @return the driver's CUDA version, e.g. 13000 for 13.0. */
    static int driverVersion()
    {
        return outInt("cuDriverGetVersion", out -> (int)DRIVER_GET_VERSION.invokeExact(out));
    }

    /** @return how many devices the driver sees. */
    static int deviceCount()
    {
        return outInt("cuDeviceGetCount", out -> (int)DEVICE_GET_COUNT.invokeExact(out));
    }

    /** @return the handle of the device with that ordinal. */
    static int device(final int ordinal)
    {
        return outInt("cuDeviceGet(" + ordinal + ")", out -> (int)DEVICE_GET.invokeExact(out, ordinal));
    }

    /** @return the device's name, e.g. NVIDIA H200. */
    static String deviceName(final int device)
    {
        return outString("cuDeviceGetName", 256, (out, length) -> (int)DEVICE_GET_NAME.invokeExact(out, length, device));
    }

    /** @return the device's PCI address, e.g. 0000:19:00.0. */
    static String pciBusId(final int device)
    {
        return outString("cuDeviceGetPCIBusId", 64, (out, length) -> (int)DEVICE_GET_PCI_BUS_ID.invokeExact(out, length, device));
    }

    /** @return the device's memory in bytes. */
    static long totalMemory(final int device)
    {
        return outLong("cuDeviceTotalMem_v2", out -> (int)DEVICE_TOTAL_MEM.invokeExact(out, device));
    }

    /** @return the attribute's value. */
    static int attribute(final int device, final int attribute)
    {
        return outInt("cuDeviceGetAttribute(" + attribute + ")", out -> (int)DEVICE_GET_ATTRIBUTE.invokeExact(out, attribute, device));
    }

    /** @return the device's primary context, retained once more. */
    static long retainPrimaryContext(final int device)
    {
        return outLong("cuDevicePrimaryCtxRetain", out -> (int)PRIMARY_CTX_RETAIN.invokeExact(out, device));
    }

    static void releasePrimaryContext(final int device)
    {
        check("cuDevicePrimaryCtxRelease_v2", (int)call(() -> (int)PRIMARY_CTX_RELEASE.invokeExact(device)));
    }

    static void setCurrent(final long context)
    {
        check("cuCtxSetCurrent", (int)call(() -> (int)CTX_SET_CURRENT.invokeExact(context)));
    }

    /** @return {free, total} bytes of the current context's device. */
    static long[] memoryInfo()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment free = arena.allocate(JAVA_LONG);
            final MemorySegment total = arena.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", (int)call(() -> (int)MEM_GET_INFO.invokeExact(free, total)));
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    /** @return the device pointer of {@code bytes} new bytes of device memory. */
    static long allocate(final long bytes)
    {
        return outLong("cuMemAlloc_v2(" + bytes + " bytes)", out -> (int)MEM_ALLOC.invokeExact(out, bytes));
    }

    static void free(final long devicePointer)
    {
        check("cuMemFree_v2", (int)call(() -> (int)MEM_FREE.invokeExact(devicePointer)));
    }

    /** @return the address of {@code bytes} new bytes of page-locked host memory. */
    static long allocateHost(final long bytes)
    {
        return outLong("cuMemHostAlloc(" + bytes + " bytes)", out -> (int)MEM_HOST_ALLOC.invokeExact(out, bytes, HOST_ALLOC_PORTABLE));
    }

    static void freeHost(final long address)
    {
        check("cuMemFreeHost", (int)call(() -> (int)MEM_FREE_HOST.invokeExact(address)));
    }

    static void registerHost(final long address, final long bytes)
    {
        check("cuMemHostRegister_v2(" + bytes + " bytes)",
            (int)call(() -> (int)MEM_HOST_REGISTER.invokeExact(address, bytes, HOST_REGISTER_PORTABLE)));
    }

    static void unregisterHost(final long address)
    {
        check("cuMemHostUnregister", (int)call(() -> (int)MEM_HOST_UNREGISTER.invokeExact(address)));
    }

    static void copyToDevice(final long device, final long host, final long bytes)
    {
        check("cuMemcpyHtoD_v2(" + bytes + " bytes)", (int)call(() -> (int)MEMCPY_HTOD.invokeExact(device, host, bytes)));
    }

    static void copyToHost(final long host, final long device, final long bytes)
    {
        check("cuMemcpyDtoH_v2(" + bytes + " bytes)", (int)call(() -> (int)MEMCPY_DTOH.invokeExact(host, device, bytes)));
    }

    /** @return the CUresult of queueing the copy on the stream. */
    static int copyToDeviceAsync(final long device, final long host, final long bytes, final long stream)
    {
        try
        {
            return (int)MEMCPY_HTOD_ASYNC.invokeExact(device, host, bytes, stream);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return the CUresult of queueing the copy on the stream. */
    static int copyToHostAsync(final long host, final long device, final long bytes, final long stream)
    {
        try
        {
            return (int)MEMCPY_DTOH_ASYNC.invokeExact(host, device, bytes, stream);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @return a new stream that waits for the legacy default stream, which synchronous copies and kernels launched
     *         without a stream use, so that it reads a tensor only after their writes to it.
     */
    static long createStream()
    {
        return outLong("cuStreamCreate", out -> (int)STREAM_CREATE.invokeExact(out, STREAM_DEFAULT));
    }

    static void destroyStream(final long stream)
    {
        check("cuStreamDestroy_v2", (int)call(() -> (int)STREAM_DESTROY.invokeExact(stream)));
    }

    static void synchronize(final long stream)
    {
        check("cuStreamSynchronize", (int)call(() -> (int)STREAM_SYNCHRONIZE.invokeExact(stream)));
    }

    /** @return a new event that records no time. */
    static long createEvent()
    {
        return outLong("cuEventCreate", out -> (int)EVENT_CREATE.invokeExact(out, EVENT_DISABLE_TIMING));
    }

    static void destroyEvent(final long event)
    {
        check("cuEventDestroy_v2", (int)call(() -> (int)EVENT_DESTROY.invokeExact(event)));
    }

    /** @return the CUresult of recording the event on the stream. */
    static int record(final long event, final long stream)
    {
        try
        {
            return (int)EVENT_RECORD.invokeExact(event, stream);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return {@link #SUCCESS} once the work before the event is done, {@link #NOT_READY} before, or the error. */
    static int query(final long event)
    {
        try
        {
            return (int)EVENT_QUERY.invokeExact(event);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return the driver's name for a CUresult, e.g. CUDA_ERROR_OUT_OF_MEMORY. */
    static String errorName(final int code)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(ADDRESS);
            final int rc = (int)call(() -> (int)GET_ERROR_NAME.invokeExact(code, out));
            return rc == SUCCESS ? out.get(ADDRESS, 0).reinterpret(128).getString(0) : "CUDA error";
        }
    }

    /**
     * @param call what was called, for the message.
     * @param rc   its CUresult.
     * @throws CudaException unless it succeeded.
     */
    static void check(final String call, final int rc)
    {
        if (rc != SUCCESS)
        {
            throw new CudaException(call, rc);
        }
    }

    private interface OutCall
    {
        int run(MemorySegment out) throws Throwable;
    }

    private interface StringCall
    {
        int run(MemorySegment out, int length) throws Throwable;
    }

    private static int outInt(final String what, final OutCall call)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(JAVA_INT);
            check(what, (int)call(() -> call.run(out)));
            return out.get(JAVA_INT, 0);
        }
    }

    private static long outLong(final String what, final OutCall call)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(JAVA_LONG);
            check(what, (int)call(() -> call.run(out)));
            return out.get(JAVA_LONG, 0);
        }
    }

    private static String outString(final String what, final int capacity, final StringCall call)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(capacity);
            check(what, (int)call(() -> call.run(out, capacity)));
            return out.getString(0);
        }
    }

    private static MethodHandle bind(final String name, final java.lang.foreign.MemoryLayout... arguments)
    {
        return LINKER.downcallHandle(CudaLibrary.lookup().findOrThrow(name), FunctionDescriptor.of(JAVA_INT, arguments));
    }
}
