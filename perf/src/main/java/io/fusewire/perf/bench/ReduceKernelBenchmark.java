package io.fusewire.perf.bench;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.fusion.reduce.Reducer;
import io.fusewire.fusion.reduce.Reducers;
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
 * The aggregator's fp32 sum kernels (acc += contribution, and acc = first + second) on the Vector
 * API over off-heap segments, next to their references, the same sums as plain {@code float[]} loops
 * that C2 auto-vectorises. One operation folds one contribution of {@code bytes} (two for the
 * combine); GB/s of input = ops/s x bytes (x 2).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReduceKernelBenchmark
{
    @Param({"262144", "1048576", "33554432"})
    int bytes;

    private final Reducer sum = Reducers.of(DataType.FLOAT32, ReduceOp.SUM);
    private final Reducer bf16Sum = Reducers.of(DataType.BFLOAT16, ReduceOp.SUM);
    private MemorySegment bf16Source;
    private short[] bf16Array;
    private Arena arena;
    private MemorySegment acc;
    private MemorySegment src;
    private float[] accArray;
    private float[] srcArray;

    @Setup(Level.Trial)
    public void setUp()
    {
        arena = Arena.ofShared();
        acc = arena.allocate(bytes, 64);
        src = arena.allocate(bytes, 64);
        accArray = new float[bytes / Float.BYTES];
        srcArray = new float[bytes / Float.BYTES];
        for (int i = 0; i < srcArray.length; i++)
        {
            srcArray[i] = i % 97;
        }
        MemorySegment.copy(MemorySegment.ofArray(srcArray), 0, src, 0, bytes);
        bf16Array = new short[bytes / Float.BYTES];
        for (int i = 0; i < bf16Array.length; i++)
        {
            bf16Array[i] = (short)(Float.floatToRawIntBits(i % 97) >>> 16);
        }
        bf16Source = arena.allocate(bytes / 2, 64);
        MemorySegment.copy(MemorySegment.ofArray(bf16Array), 0, bf16Source, 0, bytes / 2);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        arena.close();
    }

    @Benchmark
    public void vectorSegmentSum()
    {
        sum.accumulate(acc, src, 0, bytes / Float.BYTES, false);
    }

    @Benchmark
    public void vectorSegmentCombine()
    {
        sum.combine(acc, src, 0, 0, bytes / Float.BYTES);
    }

    @Benchmark
    public void referenceArrayCombine()
    {
        final float[] a = accArray;
        final float[] s = srcArray;
        for (int i = 0; i < a.length; i++)
        {
            a[i] = s[i] + s[i];
        }
    }

    /** bf16 contributions of {@code bytes / 4} elements (half the bytes), widened and summed into fp32. */
    @Benchmark
    public void vectorBf16Sum()
    {
        bf16Sum.accumulate(acc, bf16Source, 0, bytes / Float.BYTES, false);
    }

    @Benchmark
    public void referenceScalarBf16Loop()
    {
        final float[] a = accArray;
        final short[] s = bf16Array;
        for (int i = 0; i < a.length; i++)
        {
            a[i] += Float.intBitsToFloat(s[i] << 16);
        }
    }

    @Benchmark
    public void referenceArrayLoop()
    {
        final float[] a = accArray;
        final float[] s = srcArray;
        for (int i = 0; i < a.length; i++)
        {
            a[i] += s[i];
        }
    }
}
