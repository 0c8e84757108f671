package io.fusewire.fusion.worker;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/** A collective for asynchronous callers: its future completes with the data, or fails with the reason. */
public final class FutureCollective extends Collective
{
    private final CompletableFuture<MemorySegment> future;

    /**
     * @param data   the elements, overwritten with the result.
     * @param type   their type.
     * @param op     the operator.
     * @param future completed with {@code data}, or failed with an {@link IllegalStateException} saying why.
     */
    public FutureCollective(final MemorySegment data, final DataType type, final ReduceOp op,
        final CompletableFuture<MemorySegment> future)
    {
        set(data, type, op);
        this.future = future;
    }

    @Override
    protected void complete()
    {
        future.complete(data());
    }

    @Override
    protected void fail(final String reason)
    {
        future.completeExceptionally(new IllegalStateException(reason));
    }
}
