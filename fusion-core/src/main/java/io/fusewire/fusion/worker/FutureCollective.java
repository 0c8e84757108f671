package io.fusewire.fusion.worker;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/** A collective for asynchronous callers: its future completes with the data holding the result, or fails with the reason. */
public final class FutureCollective extends Collective
{
    private final CompletableFuture<MemorySegment> future;

    /**
     * @param data   the elements, overwritten with the result.
     * @param type   their type.
     * @param op     the operator.
     * @param commonPrefix whether the workers may contribute different lengths, the shortest setting the result's.
     * @param future completed with {@code data} (for a common prefix, its start that holds the result), or
     *               failed with an {@link IllegalStateException} saying why.
     */
    public FutureCollective(final MemorySegment data, final DataType type, final ReduceOp op, final boolean commonPrefix,
        final CompletableFuture<MemorySegment> future)
    {
        set(data, type, op);
        if (commonPrefix)
        {
            commonPrefix();
        }
        this.future = future;
    }

    @Override
    protected void complete()
    {
        future.complete(isCommonPrefix() ? data().asSlice(0, reducedBytes()) : data());
    }

    @Override
    protected void fail(final String reason)
    {
        future.completeExceptionally(new IllegalStateException(reason));
    }
}
