package io.fusewire.perf.soak;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;
import io.fusewire.perf.allreduce.Reduction;
import java.util.SplittableRandom;

/**
 * The collectives of a soak, drawn from a seed so that every rank draws the same ones: for
 * collective k a data type (those the algorithm takes), an operator and an element count.
 *
 * <pre>
 *   k % bigEvery == 0     more than 64 MiB: 64 MiB + an odd number of 4-byte words (k = 0 is one,
 *                         so every buffer is touched before memory is first measured)
 *   otherwise, by chance:  5%  one element
 *                         50%  2 .. 1024 elements
 *                         35%  1025 .. 16384 elements
 *                         10%  16385 .. maxBytes / element size
 * </pre>
 * Counts are uniform within their band, so most are odd and few are a multiple of the chunk.
 */
final class SoakPlan
{
    /** The large collectives are this many bytes, plus an odd number of 4-byte words. */
    static final long BIG_BYTES = 64L << 20;
    private static final ReduceOp[] OPS = ReduceOp.values();

    private final long seed;
    private final long maxBytes;
    private final int bigEvery;
    private final DataType[] types;

    /** What collective k is; filled by {@link #draw}. */
    DataType type;
    ReduceOp op;
    long elements;

    /**
     * @param seed      the soak's seed.
     * @param algorithm which types it takes.
     * @param maxBytes  the largest of the common collectives.
     * @param bigEvery  one collective of more than 64 MiB in this many; 0 for none.
     */
    SoakPlan(final long seed, final String algorithm, final long maxBytes, final int bigEvery)
    {
        this.seed = seed;
        this.maxBytes = maxBytes;
        this.bigEvery = bigEvery;
        this.types = java.util.Arrays.stream(DataType.values()).filter(t -> Reduction.takes(algorithm, t)).toArray(DataType[]::new);
    }

    /** @return bytes of the largest collective the plan can draw. */
    long largestBytes()
    {
        return bigEvery > 0 ? Math.max(maxBytes, BIG_BYTES + 4 * 2048) : maxBytes;
    }

    /**
     * Draws collective k into {@link #type}, {@link #op} and {@link #elements}.
     *
     * @param k the collective's number, from 0.
     */
    void draw(final long k)
    {
        final SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + k);
        type = types[random.nextInt(types.length)];
        op = OPS[random.nextInt(OPS.length)];
        final long most = Math.max(1, maxBytes / type.bytes());
        if (bigEvery > 0 && k % bigEvery == 0)
        {
            elements = (BIG_BYTES + 4L * (2 * random.nextInt(1024) + 1)) / type.bytes();
            return;
        }
        final int band = random.nextInt(100);
        if (band < 5)
        {
            elements = 1;
        }
        else if (band < 55)
        {
            elements = random.nextLong(2, 1025);
        }
        else if (band < 90)
        {
            elements = random.nextLong(1025, 16385);
        }
        else
        {
            elements = random.nextLong(16385, Math.max(16386, most + 1));
        }
        elements = Math.min(elements, most);
    }
}
