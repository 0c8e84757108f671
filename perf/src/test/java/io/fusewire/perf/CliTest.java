package io.fusewire.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.FusewireCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The command line: help for every command, sizes, and the demo run for real in two processes. */
final class CliTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        return new CommandLine(new FusewireCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
            .execute(args);
    }

    @Test
    void helpListsTheCommands()
    {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("demo") && out.toString().contains("bench"), out::toString);
        assertTrue(!out.toString().contains("demo-peer"), "internal commands stay hidden");
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "bench", "demo-peer"})
    void everyCommandHasHelp(final String command)
    {
        assertEquals(0, run(command, "--help"));
        assertTrue(out.toString().startsWith("Usage: fusewire " + command), out::toString);
    }

    @Test
    void sizesParseAsNcclTestsWritesThem()
    {
        assertEquals(32 << 10, ByteSize.parse("32K"));
        assertEquals(4L << 20, ByteSize.parse("4m"));
        assertEquals(512, ByteSize.parse("512"));
        assertEquals("16 MiB", ByteSize.format(16 << 20));
        final Exception bad = assertThrows(CommandLine.TypeConversionException.class, () -> ByteSize.parse("12Q"));
        assertTrue(bad.getMessage().contains("e.g. 32K"), bad.getMessage());
    }

    @Test
    void aBadTransportIsRefusedWithTheChoices()
    {
        assertEquals(2, run("demo", "--transport", "carrier-pigeon"));
        assertTrue(out.toString().contains("demo FAILED"), out::toString);
        assertTrue(out.toString().contains("unknown transport 'carrier-pigeon'"), out::toString);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theDemoMovesAndChecksDataBetweenTwoProcesses()
    {
        assertEquals(0, run("demo", "-b", "4K", "-e", "1M", "--timeout-s", "90"), out::toString);
        final String text = out.toString();
        assertTrue(text.contains("demo PASSED"), text);
        assertTrue(text.contains("[worker 0]") && text.contains("[worker 1]"), text);
        assertTrue(text.contains("1 MiB") && !text.contains("WRONG"), text);
    }
}
