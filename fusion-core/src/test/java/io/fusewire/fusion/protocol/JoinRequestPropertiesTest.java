package io.fusewire.fusion.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A join request is a peer's bytes: whatever arrives decodes to a request that encodes back to the
 * same request, or is refused with a reason (IllegalArgumentException), never another exception.
 */
final class JoinRequestPropertiesTest
{
    private static final byte[] CHALLENGE = new byte[16];
    private static final byte[] KEY = JoinRequest.key(7, "s3cret");

    @Property(tries = 3000)
    void anyBytesDecodeWholeOrAreRefused(@ForAll final byte[] bytes)
    {
        check(bytes);
    }

    @Property(tries = 3000)
    void aValidRequestWithOneByteChangedOrCutDecodesWholeOrIsRefused(@ForAll("requests") final JoinRequest request,
        @ForAll final int where, @ForAll final byte value, @ForAll final boolean cut, @ForAll final boolean withKey)
    {
        final byte[] bytes = request.encode(CHALLENGE, KEY, withKey);
        final int at = Math.floorMod(where, bytes.length);
        bytes[at] = value;
        check(cut ? Arrays.copyOf(bytes, at) : bytes);
    }

    private static void check(final byte[] bytes)
    {
        final JoinRequest.Signed decoded;
        try
        {
            decoded = JoinRequest.decode(bytes);
        }
        catch (final IllegalArgumentException refused)
        {
            assertNotNull(refused.getMessage());
            return;
        }
        final byte[] again = decoded.join().encode(CHALLENGE, KEY, decoded.key() != null);
        assertEquals(decoded.join(), JoinRequest.decode(again).join());
        assertEquals(decoded.proof().length, JoinRequest.decode(again).proof().length);
    }

    @Provide
    Arbitrary<JoinRequest> requests()
    {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(1, 64),
            Arbitraries.integers().between(1, 8), Arbitraries.integers().between(512, 4096).map(n -> n * 8),
            Arbitraries.integers().between(1, 16)).as((job, workers, aggregators, chunk, window) ->
            new JoinRequest(job, workers - 1, workers, aggregators - 1, aggregators, chunk, window));
    }
}
