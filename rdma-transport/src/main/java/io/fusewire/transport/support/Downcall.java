package io.fusewire.transport.support;

/**
 * Runs a control-path downcall through the foreign function API, which declares {@code Throwable}:
 * unchecked exceptions and errors pass unchanged, anything else (which a bound downcall cannot
 * throw) is wrapped. Data-path calls catch for themselves, so that they stay free of lambdas.
 */
public final class Downcall
{
    /** A native call, as a lambda around {@code MethodHandle.invokeExact}. */
    public interface NativeCall<T>
    {
        /**
         * @return what the call returned.
         * @throws Throwable as {@code invokeExact} declares.
         */
        T run() throws Throwable;
    }

    private Downcall()
    {
    }

    /**
     * @param call the call.
     * @param <T>  what it returns.
     * @return what it returned.
     */
    public static <T> T call(final NativeCall<T> call)
    {
        try
        {
            return call.run();
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
