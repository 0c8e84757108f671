package io.fusewire.perf.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Streaming one-sided writes over {@code shm}, next to its reference: {@link MemorySegment#copy}
 * of the same size between two regions of the same kind. Each operation is one write (or one
 * copy) of {@code size} bytes; bandwidth = ops/s x size. The receiver's ring is drained on the
 * same thread, as a single-threaded worker would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ShmWriteBenchmark
{
    @Param({"4096", "65536", "1048576", "4194304"})
    int size;

    private FabricPair pair;
    private Arena arena;
    private MemorySegment copySource;
    private MemorySegment copyTarget;
    private final Runnable drainReceiver = this::drainReceiver;

    @Setup(Level.Trial)
    public void setUp()
    {
        pair = new FabricPair("shm", 4 << 20);
        arena = Arena.ofShared();
        copySource = arena.allocate(4 << 20, 4096);
        copyTarget = arena.allocate(4 << 20, 4096);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        pair.close();
        arena.close();
    }

    @Benchmark
    public void shmWrite()
    {
        pair.write(size, drainReceiver);
        drainReceiver();
    }

    @Benchmark
    public void referenceSegmentCopy()
    {
        MemorySegment.copy(copySource, 0, copyTarget, 0, size);
    }

    private void drainReceiver()
    {
        pair.receiverQueue.poll(c -> { }, 256);
    }
}
