package io.fusewire.topology.probe;

import java.util.concurrent.TimeUnit;

/**
 * A daemon thread that runs one step of a service again and again until {@link #stop()}; each step
 * returns within a bounded time. A step that throws is logged and the loop goes on: one bad peer
 * does not end the service for the others.
 */
final class ServiceLoop
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.topology");

    private final Thread thread;
    private volatile boolean running = true;

    ServiceLoop(final String name, final Runnable step)
    {
        thread = Thread.ofPlatform().daemon().name(name).start(() ->
        {
            while (running)
            {
                try
                {
                    step.run();
                }
                catch (final RuntimeException ex)
                {
                    LOG.log(System.Logger.Level.WARNING, name + ": " + ex);
                }
            }
        });
    }

    /** Ends the loop after its current step, waiting up to a second for it. */
    void stop()
    {
        running = false;
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(1));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
