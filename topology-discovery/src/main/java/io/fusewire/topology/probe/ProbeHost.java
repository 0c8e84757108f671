package io.fusewire.topology.probe;

/**
 * A host taking part in a survey.
 *
 * @param name        its name, e.g. {@code r0h1}.
 * @param address     its IPv4 address.
 * @param linkAddress where its {@link LinkResponder} listens, host:port.
 * @param hopPort     its {@link HopEcho}'s UDP port.
 * @param channel     how to ask its agent.
 */
public record ProbeHost(String name, String address, String linkAddress, int hopPort, ProbeChannel channel)
{
}
