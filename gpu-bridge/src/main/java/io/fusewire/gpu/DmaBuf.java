package io.fusewire.gpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.fusewire.transport.support.Downcall;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Device memory exported as a Linux dma-buf file descriptor ({@code cuMemGetHandleForAddressRange}),
 * the handle a NIC registers GPU memory through ({@code ibv_reg_dmabuf_mr}) without nvidia-peermem:
 * the first step of GPUDirect RDMA. Closing closes the descriptor; a registration made from it
 * keeps its own reference.
 */
public final class DmaBuf implements AutoCloseable
{
    /** The export's unit: the host page. */
    public static final long PAGE = 4096;

    private static final int HANDLE_TYPE_DMA_BUF_FD = 1;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("close"),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final int fd;
    private final long address;
    private final long length;
    private boolean closed;

    private DmaBuf(final int fd, final long address, final long length)
    {
        this.fd = fd;
        this.address = address;
        this.length = length;
    }

    /**
     * @param buffer device memory of whole host pages.
     * @return its dma-buf.
     * @throws IllegalArgumentException where the buffer is not whole pages.
     * @throws CudaException            where the driver refuses (a device without dma-buf support, an old driver).
     */
    public static DmaBuf export(final DeviceBuffer buffer)
    {
        if (buffer.byteSize() % PAGE != 0 || buffer.address() % PAGE != 0)
        {
            throw new IllegalArgumentException("a dma-buf spans whole host pages (" + PAGE + " bytes): " + buffer + " is not");
        }
        buffer.context().makeCurrent();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment handle = arena.allocate(JAVA_INT);
            final int rc;
            try
            {
                rc = Downcall.call(() -> (int)Export.CALL.invokeExact(handle, buffer.address(), buffer.byteSize(), HANDLE_TYPE_DMA_BUF_FD, 0L));
            }
            catch (final LinkageError ex)
            {
                throw new CudaException("this driver lacks cuMemGetHandleForAddressRange (CUDA 11.7 and later have it): no dma-buf export");
            }
            Cu.check("cuMemGetHandleForAddressRange(" + buffer.byteSize() + " bytes, dma-buf)", rc);
            return new DmaBuf(handle.get(JAVA_INT, 0), buffer.address(), buffer.byteSize());
        }
    }

    /** @return the file descriptor. */
    public int fd()
    {
        return fd;
    }

    /** @return the device address the descriptor starts at (the I/O virtual address a registration names). */
    public long address()
    {
        return address;
    }

    /** @return its length in bytes. */
    public long length()
    {
        return length;
    }

    /** Closes the descriptor. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            Downcall.call(() -> (int)CLOSE.invokeExact(fd));
        }
    }

    /** Bound on first use: drivers before CUDA 11.7 lack the call, and nothing else needs it. */
    private static final class Export
    {
        static final MethodHandle CALL = LINKER.downcallHandle(CudaLibrary.lookup().findOrThrow("cuMemGetHandleForAddressRange"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    }
}
