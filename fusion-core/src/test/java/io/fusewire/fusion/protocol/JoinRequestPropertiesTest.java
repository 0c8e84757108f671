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
    @Property(tries = 3000)
    void anyBytesDecodeWholeOrAreRefused(@ForAll final byte[] bytes)
    {
        check(bytes);
    }

    @Property(tries = 3000)
    void aValidRequestWithOneByteChangedOrCutDecodesWholeOrIsRefused(@ForAll("requests") final JoinRequest request,
        @ForAll final int where, @ForAll final byte value, @ForAll final boolean cut)
    {
        final byte[] bytes = request.encode();
        final int at = Math.floorMod(where, bytes.length);
        bytes[at] = value;
        check(cut ? Arrays.copyOf(bytes, at) : bytes);
    }

    private static void check(final byte[] bytes)
    {
        final JoinRequest decoded;
        try
        {
            decoded = JoinRequest.decode(bytes);
        }
        catch (final IllegalArgumentException refused)
        {
            assertNotNull(refused.getMessage());
            return;
        }
        assertEquals(decoded, JoinRequest.decode(decoded.encode()));
    }

    @Provide
    Arbitrary<JoinRequest> requests()
    {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.strings().ofMaxLength(64), Arbitraries.integers().between(1, 64),
            Arbitraries.integers().between(1, 8), Arbitraries.integers().between(512, 4096).map(n -> n * 8),
            Arbitraries.integers().between(1, 16)).as((job, secret, workers, aggregators, chunk, window) ->
            new JoinRequest(job, secret, workers - 1, workers, aggregators - 1, aggregators, chunk, window));
    }
}
