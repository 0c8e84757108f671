package io.fusewire.topology.probe;

import io.fusewire.topology.Hmac;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * How a controller proves to a {@link ProbeControlServer} that it holds the probe secret, without
 * sending it: the agent greets with a fresh random challenge, the controller answers with
 * HMAC-SHA256(secret, challenge) in hex ({@link Hmac}; hex, as the control protocol is lines of text).
 */
final class ProbeAuth
{
    private static final HexFormat HEX = HexFormat.of();

    private ProbeAuth()
    {
    }

    /** @return a fresh challenge: 16 random bytes in hex. */
    static String challenge()
    {
        return HEX.formatHex(Hmac.challenge());
    }

    /** @return the proof for a challenge, in hex. */
    static String proof(final byte[] secret, final String challenge)
    {
        return HEX.formatHex(Hmac.of(secret, challenge.getBytes(StandardCharsets.US_ASCII)));
    }

    /** @return whether {@code answer} proves the secret, compared in constant time. */
    static boolean verify(final byte[] secret, final String challenge, final String answer)
    {
        return MessageDigest.isEqual(proof(secret, challenge).getBytes(StandardCharsets.US_ASCII),
            answer.getBytes(StandardCharsets.US_ASCII));
    }
}
