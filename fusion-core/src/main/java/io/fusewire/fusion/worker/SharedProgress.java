package io.fusewire.fusion.worker;

import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.concurrent.Agent;

/**
 * Lets two kinds of thread progress one {@link WorkerAgent}, one duty cycle at a time: the
 * communicator's own thread, for asynchronous users (tensor fusion, futures), and a caller blocked
 * in a collective, which drives its collective itself as MPI does, so that neither its submission
 * nor its completion crosses to another thread. Whoever takes the turn runs a duty cycle and gives
 * the turn back; the other finds it taken and idles. The turn orders the agent's state between
 * the threads (acquire on take, release on give back).
 */
public final class SharedProgress implements Agent
{
    private final WorkerAgent agent;
    private final AtomicBoolean turn = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * @param agent the worker's agent; from now on progressed only through this.
     */
    public SharedProgress(final WorkerAgent agent)
    {
        this.agent = agent;
    }

    /** @return work done, or 0 if another thread holds the turn or the agent is closed. */
    @Override
    public int doWork()
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
