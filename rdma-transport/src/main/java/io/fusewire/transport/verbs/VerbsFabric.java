package io.fusewire.transport.verbs;

import io.fusewire.transport.Device;
import io.fusewire.transport.Fabric;
import io.fusewire.transport.TransportContext;
import io.fusewire.transport.TransportException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The verbs provider: RoCE and InfiniBand through rdma-core, one {@link Device} per RDMA device
 * (rxe0, mlx5_0, ...). Opening it lists the devices and fails at once, in plain words, on a host
 * that cannot do RDMA: no shim, no rdma-core, no RDMA in the kernel, or no device.
 */
public final class VerbsFabric implements Fabric
{
    private static final int ENOSYS = 38;
    private static final String INSTEAD = "use --transport tcp (or shm on one host) instead";

    private final TransportContext context;
    private final List<String> names;
    private final List<Device> devices = new CopyOnWriteArrayList<>();

    /**
     * @param context the configuration, concluded.
     * @throws TransportException if this host cannot do RDMA, saying why.
     */
    public VerbsFabric(final TransportContext context)
    {
        ShimLibrary.lookup();
        VerbsDevice.checkSlots(context);
        this.context = context;
        this.names = listNames();
    }

    /**
     * @return null if this host has an RDMA device the verbs provider can use, else why not, in
     *     the words {@link io.fusewire.transport.Fabric#open} would fail with.
     */
    public static String unavailableReason()
    {
        try
        {
            ShimLibrary.lookup();
            listNames();
            return null;
        }
        catch (final TransportException ex)
        {
            return ex.getMessage();
        }
    }

    @Override
    public String provider()
    {
        return "verbs";
    }

    @Override
    public List<String> deviceNames()
    {
        return names;
    }

    @Override
    public Device openDevice(final String name)
    {
        if (!names.contains(name))
        {
            throw new TransportException("no RDMA device '" + name + "': this host has " + names);
        }
        final Device device = VerbsDevice.open(context, name);
        devices.add(device);
        return device;
    }

    /** Closes every device; a leak one of them reports is thrown after all are closed. */
    @Override
    public void close()
    {
        TransportException leak = null;
        for (final Device device : devices)
        {
            try
            {
                device.close();
            }
            catch (final TransportException ex)
            {
                if (leak == null)
                {
                    leak = ex;
                }
                else
                {
                    leak.addSuppressed(ex);
                }
            }
        }
        devices.clear();
        if (leak != null)
        {
            throw leak;
        }
    }

    private static List<String> listNames()
    {
        return withDeviceList((entries, count) ->
        {
            final List<String> names = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                names.add(Ibv.deviceName(entries.getAtIndex(ValueLayout.ADDRESS, i)));
            }
            if (names.isEmpty())
            {
                throw new TransportException("no RDMA device on this host: the kernel supports RDMA but no device exists"
                    + " (no NIC driver loaded, or soft-RoCE not set up: modprobe rdma_rxe; rdma link add rxe0 type rxe"
                    + " netdev <interface>); " + INSTEAD);
            }
            return List.copyOf(names);
        });
    }

    private static TransportException noList(final int errno)
    {
        if (errno == ENOSYS)
        {
            return new TransportException("no RDMA support in this kernel (ibv_get_device_list: " + Ibv.strerror(errno)
                + "): the kernel was built without InfiniBand/RDMA, so neither a RoCE or InfiniBand NIC nor soft-RoCE"
                + " (rdma_rxe) can work here; " + INSTEAD);
        }
        return new TransportException("cannot list RDMA devices (ibv_get_device_list: " + Ibv.strerror(errno) + ", errno "
            + errno + "); check that ib_uverbs is loaded and /dev/infiniband is readable; " + INSTEAD);
    }

    /**
     * Runs {@code use} on the named device's ibv_device, while the device list is held.
     *
     * @param name the device.
     * @param use  what to do with it.
     * @param <T>  the result.
     * @return the result.
     */
    static <T> T withDevice(final String name, final Function<MemorySegment, T> use)
    {
        return withDeviceList((entries, count) ->
        {
            for (int i = 0; i < count; i++)
            {
                final MemorySegment device = entries.getAtIndex(ValueLayout.ADDRESS, i);
                if (Ibv.deviceName(device).equals(name))
                {
                    return use.apply(device);
                }
            }
            throw new TransportException("RDMA device '" + name + "' is gone");
        });
    }

    private static <T> T withDeviceList(final BiFunction<MemorySegment, Integer, T> use)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errno = Ibv.errnoSegment(arena);
            final MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            final MemorySegment list = Ibv.getDeviceList(errno, count);
            if (list.equals(MemorySegment.NULL))
            {
                throw noList(Ibv.errno(errno));
            }
            try
            {
                final int n = count.get(ValueLayout.JAVA_INT, 0);
                return use.apply(list.reinterpret(ValueLayout.ADDRESS.byteSize() * n), n);
            }
            finally
            {
                Ibv.freeDeviceList(list);
            }
        }
    }
}
