package io.fusewire.fusion.worker;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * One AllReduce handed to the worker agent: reduce {@code data} in place.
 *
 * @param data   the elements, overwritten with the result.
 * @param type   their type.
 * @param op     the operator.
 * @param future completed with {@code data}, or failed with the reason.
 */
public record Collective(MemorySegment data, DataType type, ReduceOp op, CompletableFuture<MemorySegment> future)
{
}
