package io.fusewire.fusion.worker;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.Agent;

/**
 * Lets two kinds of thread progress one {@link WorkerAgent}, one duty cycle at a time: the
 * communicator's own thread, for asynchronous users (tensor fusion, futures), and callers blocked
 * in a collective, which drive it themselves as MPI does, so that neither a submission nor a
 * completion crosses to another thread. While a caller drives, the communicator's thread stands
 * aside, napping up to {@link #NAP_NS} at a time rather than competing for the core; it takes over
 * again (heartbeats, asynchronous collectives) within a nap of the last caller leaving. The turn
 * orders the agent's state between the threads (acquire on take, release on give back).
 */
public final class SharedProgress implements Agent
{
    /** Longest nap of the communicator's thread while a caller drives. */
    public static final long NAP_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final WorkerAgent agent;
    private final AtomicBoolean turn = new AtomicBoolean();
    private final AtomicInteger callers = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param agent the worker's agent; from now on progressed only through this.
     */
    public SharedProgress(final WorkerAgent agent)
    {
        this.agent = agent;
    }

    /** The communicator's thread: a duty cycle, or a nap while a caller drives. @return work done. */
    @Override
    public int doWork()
    {
        if (callers.get() > 0)
        {
            LockSupport.parkNanos(this, NAP_NS);
            return 0;
        }
        return drive();
    }

    /** A caller starts driving its collective; pair with {@link #leave()}. */
    public void enter()
    {
        callers.incrementAndGet();
    }

    /** The caller's collective is done. */
    public void leave()
    {
        callers.decrementAndGet();
    }

    /** @return work done by a duty cycle on the caller's thread, or 0 if another thread holds the turn or the agent is closed. */
    public int drive()
    {
        if (closed || !turn.compareAndSet(false, true))
        {
            return 0;
        }
        try
        {
            return closed ? 0 : agent.doWork();
        }
        finally
        {
            turn.setRelease(false);
        }
    }

    /**
     * Starts a caller's collective on the caller's thread, under the turn, if the agent is idle.
     *
     * @param collective the caller's collective.
     * @return false if the agent is busy (queue the collective behind the others) or closed.
     */
    public boolean startIfIdle(final Collective collective)
    {
        while (!closed)
        {
            if (turn.compareAndSet(false, true))
            {
                try
                {
                    return !closed && agent.startIfIdle(collective);
                }
                finally
                {
                    turn.setRelease(false);
                }
            }
            Thread.onSpinWait(); // the communicator's thread is in a duty cycle, which is short
        }
        return false;
    }

    /** @return true once the agent was closed: nothing will progress its collectives any more. */
    public boolean isClosed()
    {
        return closed;
    }

    /** Closes the agent once no other thread is in a duty cycle (a duty cycle is short: waits at most for one). */
    @Override
    public void onClose()
    {
        closed = true;
        while (!turn.compareAndSet(false, true))
        {
            Thread.onSpinWait();
        }
        agent.onClose();
    }

    @Override
    public String roleName()
    {
        return agent.roleName();
    }
}
