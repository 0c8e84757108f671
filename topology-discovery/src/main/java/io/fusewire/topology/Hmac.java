package io.fusewire.topology;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof of a shared secret without sending it: the verifier sends a fresh random challenge, the
 * prover answers HMAC-SHA256(key, challenge), the verifier compares in constant time. Used by the
 * probe agents' control port and the rendezvous store.
 */
public final class Hmac
{
    /** Bytes of a challenge. */
    public static final int CHALLENGE_BYTES = 16;
    /** Bytes of an HMAC-SHA256. */
    public static final int BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Hmac()
    {
    }

    /** @return a fresh random challenge. */
    public static byte[] challenge()
    {
        final byte[] bytes = new byte[CHALLENGE_BYTES];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** @return HMAC-SHA256(key, message). */
    public static byte[] of(final byte[] key, final byte[] message)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            // an empty key is legal HMAC (a job without a secret) but not for SecretKeySpec: pad as HMAC does
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            return mac.doFinal(message);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", ex);
        }
    }

    /** @return whether {@code answer} is HMAC-SHA256(key, challenge), compared in constant time. */
    public static boolean verify(final byte[] key, final byte[] challenge, final byte[] answer)
    {
        return MessageDigest.isEqual(of(key, challenge), answer);
    }
}
