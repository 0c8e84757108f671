package io.fusewire.topology;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fusewire.topology.groups.GroupFormation;
import io.fusewire.topology.groups.PlacementDocument;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The documents a job's processes read (placements, host and survey documents) pass through one
 * JSON reader: any text is parsed or refused with a reason naming where, never another exception
 * (a stack overflow from deep nesting included); a placement with one character changed is read or
 * refused with a reason.
 */
final class JsonPropertiesTest
{
    private static final String PLACEMENT = new PlacementDocument(GroupFormation.byRack(List.of(List.of("a0", "a1", "a2"),
        List.of("b0", "b1", "b2")), 4, 2), List.of("10.0.0.10", "10.0.0.11", "10.0.1.10", "10.0.1.11"),
        List.of("10.0.0.12:29500", "10.0.1.12:29500"), true).json();

    @Property(tries = 3000)
    void anyTextIsParsedOrRefusedWithAReason(@ForAll("jsonish") final String text)
    {
        try
        {
            JsonReader.parse(text);
        }
        catch (final IllegalArgumentException refused)
        {
            assertNotNull(refused.getMessage());
        }
    }

    @Property(tries = 3000)
    void aPlacementWithOneCharacterChangedIsReadOrRefusedWithAReason(@ForAll final int where, @ForAll("jsonChars") final char value)
    {
        final StringBuilder text = new StringBuilder(PLACEMENT);
        text.setCharAt(Math.floorMod(where, text.length()), value);
        try
        {
            PlacementDocument.parse(text.toString());
        }
        catch (final IllegalArgumentException refused)
        {
            assertNotNull(refused.getMessage());
        }
    }

    @Property(tries = 20)
    void deepNestingIsRefusedNotAStackOverflow(@ForAll("depths") final int depth, @ForAll final boolean objects)
    {
        final String text = (objects ? "{\"a\":" : "[").repeat(depth) + "1" + (objects ? "}" : "]").repeat(depth);
        try
        {
            JsonReader.parse(text);
        }
        catch (final IllegalArgumentException refused)
        {
            assertNotNull(refused.getMessage());
        }
    }

    @Provide
    Arbitrary<String> jsonish()
    {
        return Arbitraries.strings().withChars("{}[]:,\"\\-+.0123456789eEtrufalsn \n").ofMaxLength(200);
    }

    @Provide
    Arbitrary<Character> jsonChars()
    {
        return Arbitraries.chars().with("{}[]:,\"\\-.019aez \u0000\u00e9");
    }

    @Provide
    Arbitrary<Integer> depths()
    {
        return Arbitraries.integers().between(1, 200_000);
    }
}
