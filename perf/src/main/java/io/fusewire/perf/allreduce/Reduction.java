package io.fusewire.perf.allreduce;

import io.fusewire.fusion.Communicator;
import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.hfba.HierarchicalAllReduce;
import io.fusewire.fusion.worker.PhaseTrace;
import io.fusewire.fusion.ring.RingAllReduce;
import io.fusewire.perf.cli.JobOptions;
import io.fusewire.topology.store.Store;
import io.fusewire.topology.store.Stores;
import io.fusewire.transport.TransportContext;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * One harness worker's AllReduce, by whichever algorithm, joined: how it reduces in place, where
 * its tensors live (registered memory for the aggregator path), and what to close after. Shared by
 * the sweep and the soak workers.
 */
public final class Reduction implements AutoCloseable
{
    /** One AllReduce in place. */
    private interface Step
    {
        void apply(MemorySegment data, DataType type, ReduceOp op) throws Exception;
    }

    private final Step step;
    private final LongFunction<MemorySegment> memory;
    private final AutoCloseable resource;
    private final Supplier<PhaseTrace.Totals> trace;

    private Reduction(final Step step, final LongFunction<MemorySegment> memory, final AutoCloseable resource,
        final Supplier<PhaseTrace.Totals> trace)
    {
        this.step = step;
        this.memory = memory;
        this.resource = resource;
        this.trace = trace;
    }

    /**
     * Joins the job.
     *
     * @param options  which algorithm, and its settings.
     * @param job      who this worker is.
     * @param maxBytes the largest collective.
     * @return the joined reduction.
     */
    public static Reduction open(final ReductionOptions options, final JobOptions job, final long maxBytes)
    {
        final String algorithm = options.algorithm;
        final long timeoutMs = options.timeoutMs;
        final TransportContext transportContext = TransportContext.fromProperties(null);
        if ("aggregator".equals(algorithm))
        {
            final Communicator communicator = Communicator.connect(job.communicator(timeoutMs).chunkBytes((int)options.chunkBytes)
                .window(options.window).traced(options.trace).transportContext(transportContext));
            final Step step = switch (options.progress)
            {
                case "caller" -> communicator::allReduceBlocking;
                case "agent" -> (data, type, op) -> communicator.allReduce(data, type, op).get(timeoutMs, TimeUnit.MILLISECONDS);
                default -> throw new IllegalArgumentException("--progress " + options.progress + ": use caller or agent");
            };
            return new Reduction(step, communicator::allocate, communicator, options.trace ? communicator::trace : null);
        }
        try (Store rendezvous = Stores.open(options.store, job.job(), job.secret(), Duration.ofMillis(timeoutMs)))
        {
            final String prefix = "job-" + job.job();
            if ("ring".equals(algorithm))
            {
                final RingAllReduce ring = RingAllReduce.join(job.transport(), transportContext, rendezvous, prefix, job.rank(),
                    job.workers(), options.listenHost, maxBytes, timeoutMs);
                return new Reduction(ring::allReduce, Arena.ofAuto()::allocate, ring, null);
            }
            final HierarchicalAllReduce hfba = new HierarchicalAllReduce(job.transport(), transportContext, rendezvous, prefix,
                job.rank(), job.workers(), options.groupSize, "hfba-high".equals(algorithm) ? 1024 : 4096, options.listenHost, timeoutMs);
            return new Reduction(hfba::allReduce, Arena.ofAuto()::allocate, hfba, null);
        }
    }

    /**
     * @param algorithm aggregator, ring, hfba-high or hfba-low.
     * @param type      a data type.
     * @return whether the algorithm reduces it (the baselines take 32-bit types only).
     */
    public static boolean takes(final String algorithm, final DataType type)
    {
        return "aggregator".equals(algorithm) || type.bytes() == 4;
    }

    /**
     * AllReduce in place; returns when done.
     *
     * @param data the elements, overwritten with the result.
     * @param type their type.
     * @param op   the operator.
     * @throws Exception what the algorithm threw: a timeout, a failed job.
     */
    public void apply(final MemorySegment data, final DataType type, final ReduceOp op) throws Exception
    {
        step.apply(data, type, op);
    }

    /**
     * @param bytes how much.
     * @return tensor memory for this reduction (registered for the aggregator path, so chunks are written in place).
     */
    public MemorySegment allocate(final long bytes)
    {
        return memory.apply(bytes);
    }

    /** @return the phase times of this worker's collectives so far, or null where not traced (or not the aggregator path). */
    public PhaseTrace.Totals trace()
    {
        return trace == null ? null : trace.get();
    }

    @Override
    public void close() throws Exception
    {
        resource.close();
    }
}
