package io.fusewire.transport.support;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library's errno for calls made through the foreign function API: the option that makes a
 * downcall capture it, the segment it lands in, and its text ({@code strerror}).
 */
public final class Errno
{
    /** Add to a downcall handle's options so that each call records errno in its capture segment. */
    public static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("strerror"),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Errno()
    {
    }

    /** @return a capture segment for calls bound with {@link #CAPTURE}. */
    public static MemorySegment segment(final Arena arena)
    {
        return arena.allocate(LAYOUT);
    }

    /** @return the errno a call left in the capture segment. */
    public static int code(final MemorySegment segment)
    {
        return (int)ERRNO.get(segment, 0L);
    }

    /** @return the errno a call left, as the C library words it: "Address already in use (errno 98)". */
    public static String text(final MemorySegment segment)
    {
        final int code = code(segment);
        return strerror(code) + " (errno " + code + ")";
    }

    /** @return the C library's words for an errno. */
    public static String strerror(final int code)
    {
        try
        {
            return ((MemorySegment)STRERROR.invokeExact(code)).reinterpret(256).getString(0);
        }
        catch (final Throwable ex)
        {
            return "errno " + code;
        }
    }
}
