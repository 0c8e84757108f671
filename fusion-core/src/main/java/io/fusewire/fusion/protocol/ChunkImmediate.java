package io.fusewire.fusion.protocol;

/**
 * The 32-bit immediate of every chunk write, worker to aggregator and back:
 *
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-----------------------+-----------------------+-------+-------+
 *   |     slot (12 bits)    |  generation (12 bits) | dtype | op  |P|
 *   +-----------------------+-----------------------+-------+-----+-+
 *    bits 0-11 slot, 12-23 generation, 24-27 data type code, 28-30 operator code,
 *    31 P: a common-prefix collective ({@link #PREFIX})
 * </pre>
 *
 * The generation counts the uses of a slot (modulo 4096), so a write for a slot's earlier or later
 * use is recognised as stale, and a result is matched to the use it answers. Type and operator
 * travel with each chunk so that the aggregator sums on arrival, and refuses workers that disagree.
 */
public final class ChunkImmediate
{
    /** Most slots a window can have. */
    public static final int MAX_SLOTS = 1 << 12;
    /** Generations wrap at this. */
    public static final int GENERATIONS = 1 << 12;
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
     * @param generation any; taken modulo 4096.
     * @param dtype      a {@link io.fusewire.fusion.DataType} code.
     * @param op         a {@link io.fusewire.fusion.ReduceOp} code, plus {@link #PREFIX} for a common-prefix chunk.
     * @return the immediate.
     */
    public static int encode(final int slot, final int generation, final int dtype, final int op)
    {
        return (slot & 0xFFF) | (generation & 0xFFF) << 12 | (dtype & 0xF) << 24 | (op & 0xF) << 28;
    }

    /** @return the slot. */
    public static int slot(final int immediate)
    {
        return immediate & 0xFFF;
    }

    /** @return the generation. */
    public static int generation(final int immediate)
    {
        return immediate >>> 12 & 0xFFF;
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

    /** @return true for a common-prefix chunk ({@link #PREFIX}). */
    public static boolean isPrefix(final int immediate)
    {
        return (immediate >>> 28 & PREFIX) != 0;
    }
}
