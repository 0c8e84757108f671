package io.fusewire.topology.probe;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a controller proves to a {@link ProbeControlServer} that it holds the probe secret, without
 * sending it: the agent greets with a fresh random challenge, the controller answers with
 * HMAC-SHA256(secret, challenge) in hex.
 */
final class ProbeAuth
{
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private ProbeAuth()
    {
    }

    /** @return a fresh challenge: 16 random bytes in hex. */
    static String challenge()
    {
        final byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    /** @return the proof for a challenge, in hex. */
    static String proof(final byte[] secret, final String challenge)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HEX.formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.US_ASCII)));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", ex);
        }
    }

    /** @return whether {@code answer} proves the secret, compared in constant time. */
    static boolean verify(final byte[] secret, final String challenge, final String answer)
    {
        return MessageDigest.isEqual(proof(secret, challenge).getBytes(StandardCharsets.US_ASCII),
            answer.getBytes(StandardCharsets.US_ASCII));
    }
}
