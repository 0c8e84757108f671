package io.fusewire.gpu;

/** A CUDA driver call that failed, named with the driver's error name and code. */
public final class CudaException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int code;

    /**
     * @param call what was called, e.g. cuMemAlloc_v2(1073741824 bytes).
     * @param code the CUresult.
     */
    CudaException(final String call, final int code)
    {
        super(call + " failed: " + Cu.errorName(code) + " (" + code + ")");
        this.code = code;
    }

    /**
     * @param message what failed, in words.
     */
    CudaException(final String message)
    {
        super(message);
        this.code = -1;
    }

    /** @return the CUresult, or -1 where the failure was not a driver call's. */
    public int code()
    {
        return code;
    }
}
