package io.fusewire.fusion.reduce;

import io.fusewire.fusion.DataType;
import io.fusewire.fusion.ReduceOp;

/** The reducer for each data type and operator, made once. */
public final class Reducers
{
    private static final Reducer[][] TABLE = new Reducer[DataType.values().length][ReduceOp.values().length];

    static
    {
        for (final ReduceOp op : ReduceOp.values())
        {
            TABLE[DataType.FLOAT32.ordinal()][op.ordinal()] = new Float32Reducer(op);
            TABLE[DataType.INT32.ordinal()][op.ordinal()] = new Int32Reducer(op);
            TABLE[DataType.FLOAT16.ordinal()][op.ordinal()] = new HalfFloatReducer(op, false);
            TABLE[DataType.BFLOAT16.ordinal()][op.ordinal()] = new HalfFloatReducer(op, true);
        }
    }

    private Reducers()
    {
    }

    /**
     * @param type the data type.
     * @param op   the operator.
     * @return its reducer.
     */
    public static Reducer of(final DataType type, final ReduceOp op)
    {
        return TABLE[type.ordinal()][op.ordinal()];
    }
}
