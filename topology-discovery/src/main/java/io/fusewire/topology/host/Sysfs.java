package io.fusewire.topology.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the kernel's sysfs under a root ({@code /} on a real host; a directory of the same shape
 * in tests): one-line attributes, directory listings and the resolved device paths that give a
 * device's place in the PCI tree. Missing entries read as absent, never as errors: a VM hides much.
 */
final class Sysfs
{
    private final Path root;

    Sysfs(final Path root)
    {
        this.root = root;
    }

    /** @return the path of a sysfs entry, e.g. {@code sys/class/net}. */
    Path path(final String relative)
    {
        return root.resolve(relative);
    }

    /** @return the first line of an attribute, stripped, or null if it cannot be read. */
    String read(final Path attribute)
    {
        try
        {
            final List<String> lines = Files.readAllLines(attribute, StandardCharsets.UTF_8);
            return lines.isEmpty() ? "" : lines.getFirst().strip();
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    /** @return an integer attribute, or {@code absent} if missing or not a number. */
    long readLong(final Path attribute, final long absent)
    {
        final String text = read(attribute);
        try
        {
            return text == null ? absent : text.startsWith("0x") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            return absent;
        }
    }

    /** @return the names in a directory, sorted; empty if it does not exist. */
    List<String> list(final Path directory)
    {
        if (!Files.isDirectory(directory))
        {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory))
        {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    /** @return the last element a symbolic link points to (a driver's name), or null. */
    String linkName(final Path link)
    {
        try
        {
            return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).getFileName().toString() : null;
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * @param device a device's directory, e.g. {@code sys/class/net/eth0/device}.
     * @return the PCI addresses from its root complex down to it, e.g. {@code [pci0000:00, 0000:00:01.0,
     *         0000:01:00.0]}; empty if it is not on PCI.
     */
    List<String> pciPath(final Path device)
    {
        final Path resolved;
        try
        {
            resolved = device.toRealPath();
        }
        catch (final IOException ex)
        {
            return List.of();
        }
        final List<String> path = new ArrayList<>();
        for (final Path element : resolved)
        {
            final String name = element.toString();
            if (name.startsWith("pci") && name.indexOf(':') > 0 || name.matches("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]"))
            {
                path.add(name);
            }
            else if (!path.isEmpty())
            {
                break; // below the PCI function: a virtio or netdev child
            }
        }
        return path;
    }
}
