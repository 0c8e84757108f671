package io.fusewire.perf.cli;

import picocli.CommandLine;

/** Sizes as nccl-tests writes them: 512, 32K, 4M, 1G (powers of 1024). */
public final class ByteSize implements CommandLine.ITypeConverter<Long>
{
    @Override
    public Long convert(final String value)
    {
        return parse(value);
    }

    /**
     * @param value e.g. 32K.
     * @return bytes.
     * @throws CommandLine.TypeConversionException saying what a size looks like.
     */
    public static long parse(final String value)
    {
        final String v = value.trim().toUpperCase(java.util.Locale.ROOT);
        final int shift = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1))
        {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        try
        {
            final long number = Long.parseLong(shift == 0 ? v : v.substring(0, v.length() - 1));
            if (number <= 0)
            {
                throw new NumberFormatException();
            }
            return number << shift;
        }
        catch (final NumberFormatException ex)
        {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size: use bytes or K, M, G, e.g. 32K");
        }
    }
}
