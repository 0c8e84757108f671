package io.fusewire.topology.racks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DeclaredRacksTest
{
    private static final List<String> HOSTS = List.of("a", "b", "c", "d");

    @TempDir
    Path dir;

    @Test
    void racksAreReadInHostOrderWithCommentsAndBlankLinesSkipped() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("racks"), "# two racks\n\nd c   # the second\nb a\n");
        assertEquals(List.of(List.of("a", "b"), List.of("c", "d")), DeclaredRacks.read(file, HOSTS));
    }

    @Test
    void unknownRepeatedAndMissingHostsAreNamed() throws Exception
    {
        assertEquals(dir.resolve("u") + " line 1: no host called 'e'; the hosts are [a, b, c, d]", assertThrows(IllegalArgumentException.class,
            () -> DeclaredRacks.read(Files.writeString(dir.resolve("u"), "a b e\n"), HOSTS)).getMessage());
        assertEquals(dir.resolve("r") + " line 2: host 'a' is in two racks", assertThrows(IllegalArgumentException.class,
            () -> DeclaredRacks.read(Files.writeString(dir.resolve("r"), "a b\na c d\n"), HOSTS)).getMessage());
        assertEquals(dir.resolve("m") + " places no rack for [d]: every host goes in one rack", assertThrows(IllegalArgumentException.class,
            () -> DeclaredRacks.read(Files.writeString(dir.resolve("m"), "a b\nc\n"), HOSTS)).getMessage());
    }
}
