package io.fusewire.topology.probe;

import org.agrona.ErrorHandler;

/** Where the probe services' threads report what went wrong: the log, after which they go on. */
final class ProbeErrors
{
    private static final System.Logger LOG = System.getLogger("io.fusewire.topology");

    /** Logs each error as a warning naming the service. */
    static final ErrorHandler LOGGED = error -> LOG.log(System.Logger.Level.WARNING, "probe service: " + error);

    private ProbeErrors()
    {
    }
}
