package io.fusewire.topology.probe;

import java.time.Duration;

/** How a {@link LinkSurvey} reaches one host's {@link ProbeAgent}: a command line in, its answer out. */
@FunctionalInterface
public interface ProbeChannel
{
    /**
     * @param command one of {@link ProbeAgent}'s commands.
     * @param bound   the longest to wait for the answer.
     * @return the answer without {@link ProbeAgent#REPLY}.
     * @throws IllegalStateException if no answer came within the bound or the agent is gone.
     */
    String ask(String command, Duration bound);
}
