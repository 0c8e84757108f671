package io.fusewire.fusion;

/**
 * Element types of a collective. 16-bit floats are summed in fp32 and rounded back once, at the
 * end, to the nearest even.
 */
public enum DataType
{
    /** IEEE 754 binary32. */
    FLOAT32(1, 4),
    /** IEEE 754 binary16. */
    FLOAT16(2, 2),
    /** bfloat16: the upper half of a binary32. */
    BFLOAT16(3, 2),
    /** Two's complement 32-bit integers; sums wrap. */
    INT32(4, 4);

    private static final DataType[] BY_CODE = {null, FLOAT32, FLOAT16, BFLOAT16, INT32};
    private final int code;
    private final int bytes;

    DataType(final int code, final int bytes)
    {
        this.code = code;
        this.bytes = bytes;
    }

    /** @return the 4-bit code on the wire. */
    public int code()
    {
        return code;
    }

    /** @return bytes per element. */
    public int bytes()
    {
        return bytes;
    }

    /**
     * @param code a wire code.
     * @return its type, or null if none.
     */
    public static DataType ofCode(final int code)
    {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** @return the name nccl-tests prints: float, half, bfloat16, int32. */
    public String ncclName()
    {
        return switch (this)
        {
            case FLOAT32 -> "float";
            case FLOAT16 -> "half";
            case BFLOAT16 -> "bfloat16";
            case INT32 -> "int32";
        };
    }
}
