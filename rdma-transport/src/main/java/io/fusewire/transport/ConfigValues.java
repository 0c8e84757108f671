package io.fusewire.transport;

import java.util.Properties;

/** Reads {@code fusewire.*} settings from properties, saying which one is wrong. */
public final class ConfigValues
{
    private ConfigValues()
    {
    }

    /**
     * @param properties where to read.
     * @param name       the property.
     * @param dflt       its default, used when unset or blank.
     * @return its value.
     * @throws IllegalArgumentException naming the property if the value is not a whole number.
     */
    public static long longValue(final Properties properties, final String name, final long dflt)
    {
        final String value = properties.getProperty(name);
        if (value == null || value.isBlank())
        {
            return dflt;
        }
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + "=" + value + " is not a whole number (default " + dflt + ")");
        }
    }

    /**
     * @param properties where to read.
     * @param name       the property.
     * @param dflt       its default.
     * @return its value.
     * @throws IllegalArgumentException naming the property if the value is not an int.
     */
    public static int intValue(final Properties properties, final String name, final int dflt)
    {
        final long value = longValue(properties, name, dflt);
        if (value != (int)value)
        {
            throw new IllegalArgumentException(name + "=" + value + " is too large (default " + dflt + ")");
        }
        return (int)value;
    }

    /**
     * @param properties where to read.
     * @param name       the property.
     * @param dflt       its default, used when unset or blank.
     * @return its value.
     * @throws IllegalArgumentException naming the property if the value is neither true nor false.
     */
    public static boolean booleanValue(final Properties properties, final String name, final boolean dflt)
    {
        final String value = properties.getProperty(name);
        if (value == null || value.isBlank())
        {
            return dflt;
        }
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT))
        {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + "=" + value + " is neither true nor false (default " + dflt + ")");
        };
    }
}
