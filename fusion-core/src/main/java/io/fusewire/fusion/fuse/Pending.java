package io.fusewire.fusion.fuse;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.gpu.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * A submitted tensor waiting for its batch.
 *
 * @param name      its name's 64-bit hash when fusion matches by name, else 0.
 * @param tensor    the caller's host memory, or null for a device tensor.
 * @param device    the caller's device memory, or null for a host tensor.
 * @param type      its type.
 * @param op        its operator.
 * @param future    completed with the result.
 * @param arrivalNs when it was submitted.
 * @param padded    the bytes it takes in a buffer: the next power of two.
 */
record Pending(long name, MemorySegment tensor, DeviceBuffer device, DataType type, ReduceOp op, CompletableFuture<FusedTensor> future, long arrivalNs,
    long padded)
{
    /** Kinds of tensor: one per data type and operator; tensors of two kinds never share a batch. */
    static final int KINDS = DataType.values().length * ReduceOp.values().length;

    /** @return the tensor's length in bytes. */
    long bytes()
    {
        return device != null ? device.byteSize() : tensor.byteSize();
    }

    /** @return this tensor's kind, 0..KINDS-1. */
    int kind()
    {
        return type.ordinal() * ReduceOp.values().length + op.ordinal();
    }
}
