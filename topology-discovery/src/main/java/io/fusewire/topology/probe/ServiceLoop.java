package io.fusewire.topology.probe;

import java.util.concurrent.TimeUnit;

/** A daemon thread that runs one step of a service again and again until {@link #stop()}; each step returns within a bounded time. */
final class ServiceLoop
{
    private final Thread thread;
    private volatile boolean running = true;

    ServiceLoop(final String name, final Runnable step)
    {
        thread = Thread.ofPlatform().daemon().name(name).start(() ->
        {
            while (running)
            {
                step.run();
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
