package io.fusewire.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

/**
 * Finds the CUDA driver library ({@code libcuda.so.1}, installed with the NVIDIA driver; no CUDA
 * toolkit or runtime needed) once, and says why not where it is missing. Nothing here binds a call.
 */
final class CudaLibrary
{
    /** The driver's library, as the dynamic loader finds it. */
    static final String NAME = "libcuda.so.1";

    private static final SymbolLookup LOOKUP;
    private static final String ABSENCE;

    static
    {
        SymbolLookup lookup = null;
        String absence = null;
        try
        {
            lookup = SymbolLookup.libraryLookup(NAME, Arena.global());
        }
        catch (final IllegalArgumentException ex)
        {
            absence = "no CUDA driver on this host (" + NAME + " not found by the dynamic loader): install the NVIDIA driver,"
                + " or use host memory";
        }
        LOOKUP = lookup;
        ABSENCE = absence;
    }

    private CudaLibrary()
    {
    }

    /** @return why the library cannot be used, or null where it was found. */
    static String absence()
    {
        return ABSENCE;
    }

    /** @return the library's symbols; only where {@link #absence()} is null. */
    static SymbolLookup lookup()
    {
        if (LOOKUP == null)
        {
            throw new IllegalStateException(ABSENCE);
        }
        return LOOKUP;
    }
}
