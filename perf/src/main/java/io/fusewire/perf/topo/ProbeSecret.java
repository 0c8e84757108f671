package io.fusewire.perf.topo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The secret that probe agents' controllers prove they hold: from {@code --secret-file FILE} or the
 * environment variable {@code FUSEWIRE_PROBE_SECRET}, never from the command line itself (where
 * {@code ps} would show it).
 */
public final class ProbeSecret
{
    /** The variable the secret may come from. */
    static final String VARIABLE = "FUSEWIRE_PROBE_SECRET";

    @Option(names = "--secret-file", paramLabel = "FILE", description = {"A file holding the probe secret that agents and",
        "their controller share (default: $" + VARIABLE + ")."})
    Path file;

    /**
     * @return the secret's bytes, surrounding whitespace dropped.
     * @throws IllegalArgumentException if there is none, or the file cannot be read.
     */
    byte[] bytes()
    {
        final String secret;
        try
        {
            secret = file != null ? Files.readString(file, StandardCharsets.UTF_8) : System.getenv(VARIABLE);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("--secret-file " + file + " cannot be read: " + ex.getMessage(), ex);
        }
        if (secret == null || secret.isBlank())
        {
            throw new IllegalArgumentException("probe agents on a control port take commands only from a controller that proves a"
                + " shared secret: set " + VARIABLE + " or give --secret-file FILE, the same on every host");
        }
        return secret.strip().getBytes(StandardCharsets.UTF_8);
    }
}
