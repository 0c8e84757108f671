package io.fusewire.transport.verbs;

import static io.fusewire.transport.support.Downcall.call;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.fusewire.transport.TransportException;
import io.fusewire.transport.support.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The downcalls: libibverbs's exported functions and the shim's, bound once. The control-path
 * calls throw {@link TransportException} naming the verb and the errno text; the three data-path
 * calls ({@link #postSend}, {@link #postRecv}, {@link #pollCq}) return codes, take the queue pair
 * and completion queue as raw addresses and reused off-heap work requests, and never allocate.
 * Initialising this class loads the library, so {@link ShimLibrary#lookup()} is checked first.
 */
final class Ibv
{
    static final int ACCESS_LOCAL_WRITE = 1;
    static final int ACCESS_REMOTE_WRITE = 1 << 1;
    static final int PORT_ACTIVE = 4;
    static final int LINK_LAYER_ETHERNET = 2;
    static final int WC_SUCCESS = 0;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = ShimLibrary.lookup();
    private static final Linker.Option ERRNO_OPTION = Errno.CAPTURE;

    private static final MethodHandle GET_DEVICE_LIST = bind("ibv_get_device_list", FunctionDescriptor.of(ADDRESS, ADDRESS), ERRNO_OPTION);
    private static final MethodHandle FREE_DEVICE_LIST = bind("ibv_free_device_list", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle GET_DEVICE_NAME = bind("ibv_get_device_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle OPEN_DEVICE = bind("ibv_open_device", FunctionDescriptor.of(ADDRESS, ADDRESS), ERRNO_OPTION);
    private static final MethodHandle CLOSE_DEVICE = bind("ibv_close_device", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ALLOC_PD = bind("ibv_alloc_pd", FunctionDescriptor.of(ADDRESS, ADDRESS), ERRNO_OPTION);
    private static final MethodHandle DEALLOC_PD = bind("ibv_dealloc_pd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle REG_MR = bind("ibv_reg_mr",
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO_OPTION);
    private static final MethodHandle DEREG_MR = bind("ibv_dereg_mr", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle CREATE_CQ = bind("ibv_create_cq",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), ERRNO_OPTION);
    private static final MethodHandle DESTROY_CQ = bind("ibv_destroy_cq", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle DESTROY_QP = bind("ibv_destroy_qp", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle WC_STATUS_STR = bind("ibv_wc_status_str", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle ABI_VERSION = bind("fw_abi_version", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle LAYOUT = bind("fw_layout", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle PORT_INFO = bind("fw_port_info", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle PICK_GID = bind("fw_pick_gid",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FIND_GID = bind("fw_find_gid",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CREATE_RC_QP = bind("fw_create_rc_qp",
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT), ERRNO_OPTION);
    private static final MethodHandle QP_INIT = bind("fw_qp_init", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle QP_CONNECT = bind("fw_qp_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
        JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    // data path: pointers as longs (same register on the C ABI), no thread-state transition
    private static final MethodHandle POST_SEND = bind("fw_post_send", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS),
        Linker.Option.critical(false));
    private static final MethodHandle POST_RECV = bind("fw_post_recv", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS),
        Linker.Option.critical(false));
    private static final MethodHandle POLL_CQ = bind("fw_poll_cq", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS),
        Linker.Option.critical(false));

    /** The shim ABI this class speaks. */
    private static final int ABI = 1;

    static
    {
        final int abi = call(() -> (int)ABI_VERSION.invokeExact());
        if (abi != ABI)
        {
            throw new TransportException("the verbs shim speaks ABI " + abi + ", this jar needs " + ABI
                + ": rebuild the native module with the rest (./mvnw install)");
        }
    }

    private Ibv()
    {
    }

    /** @return the errno-capture segment a control-path call with errno needs. */
    static MemorySegment errnoSegment(final Arena arena)
    {
        return Errno.segment(arena);
    }

    /**
     * @param segment an errno-capture segment after a call.
     * @return the errno, as the C library words it.
     */
    static String errnoText(final MemorySegment segment)
    {
        return Errno.text(segment);
    }

    static int errno(final MemorySegment segment)
    {
        return Errno.code(segment);
    }

    static String strerror(final int errno)
    {
        return Errno.strerror(errno);
    }

    static MemorySegment getDeviceList(final MemorySegment errno, final MemorySegment count)
    {
        return call(() -> (MemorySegment)GET_DEVICE_LIST.invokeExact(errno, count));
    }

    static void freeDeviceList(final MemorySegment list)
    {
        call(() ->
        {
            FREE_DEVICE_LIST.invokeExact(list);
            return null;
        });
    }

    static String deviceName(final MemorySegment device)
    {
        return call(() -> ((MemorySegment)GET_DEVICE_NAME.invokeExact(device)).reinterpret(256).getString(0));
    }

    static MemorySegment openDevice(final MemorySegment errno, final MemorySegment device)
    {
        return call(() -> (MemorySegment)OPEN_DEVICE.invokeExact(errno, device));
    }

    static int closeDevice(final MemorySegment context)
    {
        return call(() -> (int)CLOSE_DEVICE.invokeExact(context));
    }

    static MemorySegment allocPd(final MemorySegment errno, final MemorySegment context)
    {
        return call(() -> (MemorySegment)ALLOC_PD.invokeExact(errno, context));
    }

    static int deallocPd(final MemorySegment pd)
    {
        return call(() -> (int)DEALLOC_PD.invokeExact(pd));
    }

    static MemorySegment regMr(final MemorySegment errno, final MemorySegment pd, final MemorySegment memory, final int access)
    {
        return call(() -> (MemorySegment)REG_MR.invokeExact(errno, pd, memory, memory.byteSize(), access));
    }

    static int deregMr(final MemorySegment mr)
    {
        return call(() -> (int)DEREG_MR.invokeExact(mr));
    }

    static MemorySegment createCq(final MemorySegment errno, final MemorySegment context, final int entries)
    {
        return call(() -> (MemorySegment)CREATE_CQ.invokeExact(errno, context, entries, MemorySegment.NULL, MemorySegment.NULL, 0));
    }

    static int destroyCq(final MemorySegment cq)
    {
        return call(() -> (int)DESTROY_CQ.invokeExact(cq));
    }

    static int destroyQp(final MemorySegment qp)
    {
        return call(() -> (int)DESTROY_QP.invokeExact(qp));
    }

    static String wcStatus(final int status)
    {
        return call(() -> ((MemorySegment)WC_STATUS_STR.invokeExact(status)).reinterpret(256).getString(0));
    }

    static long layout(final int item)
    {
        return call(() -> (long)LAYOUT.invokeExact(item));
    }

    static int portInfo(final MemorySegment context, final int port, final MemorySegment out)
    {
        return call(() -> (int)PORT_INFO.invokeExact(context, port, out));
    }

    static int pickGid(final MemorySegment context, final int port, final int tableLength, final boolean ethernet,
        final MemorySegment gid)
    {
        return call(() -> (int)PICK_GID.invokeExact(context, port, tableLength, ethernet ? 1 : 0, gid));
    }

    static int findGid(final MemorySegment context, final int port, final int tableLength, final MemorySegment gid)
    {
        return call(() -> (int)FIND_GID.invokeExact(context, port, tableLength, gid));
    }

    static MemorySegment createRcQp(final MemorySegment errno, final MemorySegment pd, final MemorySegment cq,
        final int maxSend, final int maxRecv)
    {
        return call(() -> (MemorySegment)CREATE_RC_QP.invokeExact(errno, pd, cq, maxSend, maxRecv));
    }

    static int qpInit(final MemorySegment qp, final int port)
    {
        return call(() -> (int)QP_INIT.invokeExact(qp, port));
    }

    static int qpConnect(final MemorySegment qp, final int port, final int gidIndex, final int mtu, final QueuePairAddress remote,
        final MemorySegment remoteGid, final int localPsn, final int timeout)
    {
        return call(() -> (int)QP_CONNECT.invokeExact(qp, port, gidIndex, Math.min(mtu, remote.mtu()), remote.qpn(), remote.psn(),
            remote.lid(), remoteGid, localPsn, timeout));
    }

    /** @return 0, or the errno of a refused post (ENOMEM: the queue is full). */
    static int postSend(final long qp, final MemorySegment wr)
    {
        try
        {
            return (int)POST_SEND.invokeExact(qp, wr);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return 0, or the errno of a refused post. */
    static int postRecv(final long qp, final MemorySegment wr)
    {
        try
        {
            return (int)POST_RECV.invokeExact(qp, wr);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return completions written into {@code wcs}, or negative if the queue is broken. */
    static int pollCq(final long cq, final int max, final MemorySegment wcs)
    {
        try
        {
            return (int)POLL_CQ.invokeExact(cq, max, wcs);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static MethodHandle bind(final String name, final FunctionDescriptor descriptor, final Linker.Option... options)
    {
        return LINKER.downcallHandle(LOOKUP.findOrThrow(name), descriptor, options);
    }
}
