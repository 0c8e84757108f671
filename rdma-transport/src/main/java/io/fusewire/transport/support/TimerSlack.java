package io.fusewire.transport.support;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * A thread's timer slack (Linux {@code prctl(PR_SET_TIMERSLACK)}): how late the kernel may fire the
 * thread's timers so as to batch wake-ups, 50 us by default. A thread that parks for microseconds
 * while it waits for a peer would wake up to 50 us late at every park; measured in
 * {@code perf fusion} (2 workers, shm, 4 KiB queries at 400 q/s), arrivals scheduled with
 * {@code parkNanos} started 80-90 us late at the median with the default and 30-40 us late with
 * 1 us. Where {@code prctl} is not there (not Linux), nothing changes.
 */
public final class TimerSlack
{
    /** Timer slack, nanoseconds, that Fusewire's polling threads ask for; 0 leaves the kernel's. */
    public static final String PROP = "fusewire.idle.timer.slack.ns";

    private static final int PR_SET_TIMERSLACK = 29;
    private static final int PR_GET_TIMERSLACK = 30;
    private static final long DEFAULT_NS = 1_000;
    private static final MethodHandle PRCTL = prctl();

    private TimerSlack()
    {
    }

    /**
     * Sets the calling thread's timer slack to this process's {@value #PROP} (1 us unless set).
     *
     * @return true if it was set; false where the setting is 0 or the call is not available.
     */
    public static boolean tighten()
    {
        final long ns = Long.getLong(PROP, DEFAULT_NS);
        return ns > 0 && set(ns);
    }

    /**
     * Sets the calling thread's timer slack; threads it starts from now on inherit it.
     *
     * @param ns the new timer slack, at least 1.
     * @return true if the kernel took it.
     */
    public static boolean set(final long ns)
    {
        if (PRCTL == null)
        {
            return false;
        }
        try
        {
            return (int)PRCTL.invokeExact(PR_SET_TIMERSLACK, ns) == 0;
        }
        catch (final Throwable ex)
        {
            return false;
        }
    }

    /** @return the calling thread's timer slack, nanoseconds, or -1 where it cannot be read. */
    public static long current()
    {
        if (PRCTL == null)
        {
            return -1;
        }
        try
        {
            return (int)PRCTL.invokeExact(PR_GET_TIMERSLACK, 0L);
        }
        catch (final Throwable ex)
        {
            return -1;
        }
    }

    private static MethodHandle prctl()
    {
        final Linker linker = Linker.nativeLinker();
        final Optional<MemorySegment> symbol = linker.defaultLookup().find("prctl");
        return symbol.map(address -> linker.downcallHandle(address,
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1))).orElse(null);
    }
}
