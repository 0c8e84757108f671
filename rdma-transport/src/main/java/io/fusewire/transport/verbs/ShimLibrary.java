package io.fusewire.transport.verbs;

import io.fusewire.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Finds and loads libfusewire-verbs (the C shim of the {@code native} module), and through it
 * libibverbs, once per JVM. The shim travels inside the {@code native} jar and is unpacked to a
 * temporary file; {@value #LIBRARY_PROP} names a shim built elsewhere instead. When it cannot be
 * loaded, every use says why and what to do, and the other providers are unaffected.
 */
final class ShimLibrary
{
    /** Path of a libfusewire-verbs.so to load instead of the one in the native jar. */
    static final String LIBRARY_PROP = "fusewire.verbs.library";
    private static final String RESOURCE = "/io/fusewire/native/linux-x86_64/libfusewire-verbs.so";

    private ShimLibrary()
    {
    }

    /**
     * @return the symbols of the shim and of libibverbs.
     * @throws TransportException saying why the verbs provider cannot run here.
     */
    static SymbolLookup lookup()
    {
        if (Loaded.FAILURE != null)
        {
            throw new TransportException(Loaded.FAILURE);
        }
        return Loaded.LOOKUP;
    }

    private static final class Loaded
    {
        static final SymbolLookup LOOKUP;
        static final String FAILURE;

        static
        {
            SymbolLookup lookup = null;
            String failure = null;
            try
            {
                lookup = SymbolLookup.libraryLookup(locate(), Arena.global());
            }
            catch (final IOException | IllegalStateException ex)
            {
                failure = ex.getMessage();
            }
            catch (final IllegalArgumentException ex)
            {
                failure = "the verbs shim could not be loaded (" + ex.getMessage() + "); rdma-core's libibverbs is probably"
                    + " missing: apt-get install libibverbs1 ibverbs-providers, or use --transport tcp";
            }
            LOOKUP = lookup;
            FAILURE = failure;
        }

        private static Path locate() throws IOException
        {
            final String configured = System.getProperty(LIBRARY_PROP);
            if (configured != null)
            {
                final Path path = Path.of(configured);
                if (!Files.isReadable(path))
                {
                    throw new IOException(LIBRARY_PROP + "=" + configured + " is not a readable file");
                }
                return path;
            }
            try (InputStream in = ShimLibrary.class.getResourceAsStream(RESOURCE))
            {
                if (in == null)
                {
                    throw new IllegalStateException("this build has no verbs shim: the native module found no gcc or no"
                        + " rdma-core headers when it was built (apt-get install gcc libibverbs-dev, then rebuild), or"
                        + " the platform is not x86-64 Linux; use --transport tcp or shm meanwhile");
                }
                final Path file = Files.createTempFile("fusewire-verbs-", ".so");
                file.toFile().deleteOnExit();
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return file;
            }
        }
    }
}
