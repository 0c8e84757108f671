package io.fusewire.fusion;

/** Reduction operators. */
public enum ReduceOp
{
    /** Element-wise sum. */
    SUM(1),
    /** Element-wise maximum. */
    MAX(2),
    /** Element-wise minimum. */
    MIN(3);

    private static final ReduceOp[] BY_CODE = {null, SUM, MAX, MIN};
    private final int code;

    ReduceOp(final int code)
    {
        this.code = code;
    }

    /** @return the 4-bit code on the wire. */
    public int code()
    {
        return code;
    }

    /**
     * @param code a wire code.
     * @return its operator, or null if none.
     */
    public static ReduceOp ofCode(final int code)
    {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
