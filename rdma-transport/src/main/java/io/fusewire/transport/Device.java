package io.fusewire.transport;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One network device of a {@link Fabric} (a NIC, a rail; {@code shm} and {@code tcp} have one
 * each): it allocates registered memory, creates completion queues, listens and connects.
 * Everything here is control path: it may block (bounded by the connect timeout) and throws
 * {@link TransportException} with a message that says what to do.
 */
public interface Device extends AutoCloseable
{
    /** @return the device name. */
    String name();

    /** @return the provider, as in {@code --transport}. */
    String provider();

    /**
     * @param length bytes, at least 1.
     * @return a new registered region, zero-filled.
     */
    MemoryRegion allocate(long length);

    /**
     * Registers memory the caller allocated and keeps owning, so that it can be written from and
     * exposed like an allocated region: an off-heap {@link MemorySegment}, or a raw address wrapped
     * with {@code MemorySegment.ofAddress(address).reinterpret(length)}. The memory must be readable
     * and writable by the CPU: {@code tcp} moves bytes with system calls, and the transport checks
     * and copies sources on the host (pinned host memory from a GPU driver qualifies; device memory
     * does not, and goes through {@code gpu-bridge}'s staged path). Closing the region deregisters it
     * and leaves the memory alone; the memory must outlive the region.
     *
     * @param memory native memory, at least one byte.
     * @return the region.
     * @throws TransportException if this provider cannot register memory it did not allocate
     *     ({@code shm}: its regions are files that peers map).
     */
    MemoryRegion register(MemorySegment memory);

    /** @return a new completion queue. */
    CompletionQueue createCompletionQueue();

    /**
     * @param hostPort  where to listen, as host:port; port 0 picks a free one.
     * @param admission decides, per connect request, whether to admit it and what it may write into.
     * @param queue     the queue accepted connections report to.
     * @return the listener.
     */
    Listener listen(String hostPort, Admission admission, CompletionQueue queue);

    /**
     * @param hostPort where to listen, as host:port; port 0 picks a free one.
     * @param exposed  the regions every accepted peer may write into.
     * @param queue    the queue accepted connections report to.
     * @return the listener.
     */
    default Listener listen(final String hostPort, final List<MemoryRegion> exposed, final CompletionQueue queue)
    {
        return listen(hostPort, Admission.exposing(exposed), queue);
    }

    /**
     * Connects, retrying a refused connection until the connect timeout.
     *
     * @param hostPort    the listener's address, host:port.
     * @param exposed     the regions the peer may write into.
     * @param queue       the queue the connection reports to.
     * @param privateData handed to the listener's {@link Admission} (at most 4096 bytes).
     * @return the established connection.
     * @throws TransportException if nobody listens in time or the listener refused, with its reason.
     */
    default Connection connect(final String hostPort, final List<MemoryRegion> exposed, final CompletionQueue queue,
        final byte[] privateData)
    {
        final byte[] data = privateData.clone();
        return connect(hostPort, exposed, queue, challenge -> data);
    }

    /**
     * Connects, the private data made from the listener's challenge: fresh random bytes the listener
     * sends first, so that the private data can prove a secret (an HMAC of the challenge) without
     * carrying it. Retries a refused connection until the connect timeout.
     *
     * @param hostPort    the listener's address, host:port.
     * @param exposed     the regions the peer may write into.
     * @param queue       the queue the connection reports to.
     * @param privateData makes the private data (at most 4096 bytes) from the challenge.
     * @return the established connection.
     * @throws TransportException if nobody listens in time or the listener refused, with its reason.
     */
    Connection connect(String hostPort, List<MemoryRegion> exposed, CompletionQueue queue, UnaryOperator<byte[]> privateData);

    /**
     * Connects with no private data.
     *
     * @param hostPort the listener's address, host:port.
     * @param exposed  the regions the peer may write into.
     * @param queue    the queue the connection reports to.
     * @return the established connection.
     */
    default Connection connect(final String hostPort, final List<MemoryRegion> exposed, final CompletionQueue queue)
    {
        return connect(hostPort, exposed, queue, new byte[0]);
    }

    /** Closes listeners, connections and regions made by this device. Idempotent. */
    @Override
    void close();
}
