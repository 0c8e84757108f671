package io.fusewire.fusion.protocol;

/**
 * The 32-bit immediate of every chunk write, worker to aggregator and back:
 *
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-----------------------+---------------------+-+-------+-------+
 *   |     slot (12 bits)    | generation (11 bits)|F| dtype | op  |P|
 *   +-----------------------+---------------------+-+-------+-----+-+
 *    bits 0-11 slot, 12-22 generation, 23 F: a final result, not a contribution ({@link #FINAL}),
 *    24-27 data type code, 28-30 operator code, 31 P: a common-prefix collective ({@link #PREFIX})
 * </pre>
 *
 * The generation counts the uses of a slot (modulo 2048), so a write for a slot's earlier or later
 * use is recognised as stale, and a result is matched to the use it answers. Type and operator
 * travel with each chunk so that the aggregator sums on arrival, and refuses workers that disagree.
 */
public final class ChunkImmediate
{
    /** Most slots a window can have. */
    public static final int MAX_SLOTS = 1 << 12;
    /** Generations wrap at this. */
    public static final int GENERATIONS = 1 << 11;
    /**
     * Set on a chunk that carries the chunk's result rather than a contribution: after a failover,
     * a worker that already had a result the others lack sends it to the new aggregator, which
     * hands it to everyone as the slot's result (it is the sum of the same contributions).
     */
    public static final int FINAL = 1 << 23;
    /**
     * Added to the operator code for a common-prefix chunk: the workers' contributions may differ in
     * length, and the aggregator reduces the bytes that all of them sent (the shortest contribution),
     * which sets the result's length.
     */
    public static final int PREFIX = 0x8;

    private ChunkImmediate()
    {
    }

    /**
     * @param slot       0..4095.
     * @param generation any; taken modulo 2048.
     * @param dtype      a {@link io.fusewire.fusion.DataType} code.
     * @param op         a {@link io.fusewire.fusion.ReduceOp} code, plus {@link #PREFIX} for a common-prefix chunk.
     * @return the immediate.
     */
    public static int encode(final int slot, final int generation, final int dtype, final int op)
    {
        return (slot & 0xFFF) | (generation & GENERATIONS - 1) << 12 | (dtype & 0xF) << 24 | (op & 0xF) << 28;
    }

    /** @return the slot. */
    public static int slot(final int immediate)
    {
        return immediate & 0xFFF;
    }

    /** @return the generation. */
    public static int generation(final int immediate)
    {
        return immediate >>> 12 & GENERATIONS - 1;
    }

    /** @return the data type code. */
    public static int dtype(final int immediate)
    {
        return immediate >>> 24 & 0xF;
    }

    /** @return the operator code, without {@link #PREFIX}. */
    public static int op(final int immediate)
    {
        return immediate >>> 28 & 0x7;
    }

    /** @return true for a chunk carrying a final result ({@link #FINAL}). */
    public static boolean isFinal(final int immediate)
    {
        return (immediate & FINAL) != 0;
    }

    /** @return true for a common-prefix chunk ({@link #PREFIX}). */
    public static boolean isPrefix(final int immediate)
    {
        return (immediate >>> 28 & PREFIX) != 0;
    }
}
