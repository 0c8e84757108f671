package io.fusewire.transport.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fusewire.transport.RemoteRegion;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A hello is the first thing a stranger sends to a listening port: whatever arrives is read whole or
 * refused with an IOException (a ProtocolException naming what is wrong, or the end of the bytes),
 * never another exception and never an allocation the bytes ask for beyond the hello's bounds.
 */
final class HelloPropertiesTest
{
    private static final byte[] VALID = encode(new Hello("tcp", 42, 65_536, List.of(new RemoteRegion(7, 0, 4096),
        new RemoteRegion(8, 4096, 1 << 20)), List.of("shm:/dev/shm/a", ""), "127.0.0.1:4000", new byte[] {1, 2, 3}));

    @Property(tries = 3000)
    void anyBytesAfterTheMagicAreReadWholeOrRefused(@ForAll final byte[] tail)
    {
        final byte[] bytes = Arrays.copyOf(VALID, 6 + tail.length);
        System.arraycopy(tail, 0, bytes, 6, tail.length);
        read(bytes);
    }

    @Property(tries = 3000)
    void aValidHelloWithOneByteChangedOrCutIsReadWholeOrRefused(@ForAll final int where, @ForAll final byte value, @ForAll final boolean cut)
    {
        final byte[] bytes = VALID.clone();
        final int at = Math.floorMod(where, bytes.length);
        bytes[at] = value;
        read(cut ? Arrays.copyOf(bytes, at) : bytes);
    }

    @Property(tries = 10)
    void theValidHelloReadsBack()
    {
        final Hello hello = read(VALID);
        assertEquals(2, hello.regions().size());
    }

    private static Hello read(final byte[] bytes)
    {
        try
        {
            return Hello.read(new DataInputStream(new ByteArrayInputStream(bytes)), "tcp");
        }
        catch (final IOException refused)
        {
            return null;
        }
    }

    private static byte[] encode(final Hello hello)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes))
        {
            hello.write(out);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        return bytes.toByteArray();
    }
}
