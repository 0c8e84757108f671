package io.fusewire.perf.testbed;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * Testbeds on this machine: bring one up from a plan, find its plan again, take it down. The plan
 * of each is kept in {@code /run/fusewire/testbed-NAME.properties} while it is up.
 */
public final class Testbeds
{
    private static final Path STATE = Path.of("/run/fusewire");

    private Testbeds()
    {
    }

    /**
     * Builds the plan's testbed; on any failure removes what it made.
     *
     * @throws IllegalStateException if not root, the name is taken or a command failed, saying which.
     */
    public static void up(final TestbedPlan plan)
    {
        requireRoot();
        if (Commands.namespaces().stream().anyMatch(ns -> ns.startsWith(TestbedPlan.namespacePrefix(plan.name()))))
        {
            throw new IllegalStateException("testbed '" + plan.name() + "' is already up: ./fusewire testbed down --name " + plan.name());
        }
        try
        {
            for (final List<String> command : plan.upCommands())
            {
                Commands.run(command);
            }
            save(plan);
        }
        catch (final RuntimeException ex)
        {
            try
            {
                down(plan.name());
            }
            catch (final RuntimeException cleanup)
            {
                ex.addSuppressed(cleanup);
            }
            throw ex;
        }
    }

    /** @throws IllegalStateException unless this process may make and enter namespaces, saying to run it as root. */
    public static void requireRoot()
    {
        if (!isRoot())
        {
            throw new IllegalStateException("the testbed makes and enters network namespaces, links and qdiscs: run it as root"
                + " (sudo ./fusewire ...)");
        }
    }

    /** @return whether this process runs as root, as making and entering namespaces needs. */
    public static boolean isRoot()
    {
        return "0".equals(Commands.run(List.of("id", "-u")).strip());
    }

    /**
     * @return the plan of the testbed called {@code name}.
     * @throws IllegalArgumentException if it is not up, saying how to bring it up.
     */
    public static TestbedPlan require(final String name)
    {
        final TestbedPlan plan = find(name);
        if (plan == null)
        {
            throw new IllegalArgumentException("testbed '" + name + "' is not up: sudo ./fusewire testbed up --racks R --hosts-per-rack H"
                + " --name " + name);
        }
        return plan;
    }

    /** @return the plan of the testbed called {@code name}, or null if it is not up. */
    public static TestbedPlan find(final String name)
    {
        final Path file = planFile(name);
        if (!Files.exists(file))
        {
            return null;
        }
        final Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file))
        {
            p.load(in);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        return new TestbedPlan(name, Integer.parseInt(p.getProperty("racks")), Integer.parseInt(p.getProperty("hostsPerRack")),
            Long.parseLong(p.getProperty("hostRateMbit")), Double.parseDouble(p.getProperty("oversubscription")));
    }

    /**
     * Removes every namespace of the testbed (their links and qdiscs go with them) and its plan,
     * first killing any process still inside one (a namespace lives on while a process holds it).
     * Safe to run twice.
     *
     * @return how many namespaces it removed.
     */
    public static int down(final String name)
    {
        requireRoot();
        int removed = 0;
        for (final String namespace : Commands.namespaces())
        {
            if (namespace.startsWith(TestbedPlan.namespacePrefix(name)))
            {
                Commands.run(List.of("ip", "netns", "pids", namespace)).lines().map(String::strip).filter(pid -> pid.matches("\\d+"))
                    .forEach(pid -> ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly));
                Commands.run(List.of("ip", "netns", "del", namespace));
                removed++;
            }
        }
        try
        {
            Files.deleteIfExists(planFile(name));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot remove the plan of testbed '" + name + "': " + ex.getMessage(), ex);
        }
        return removed;
    }

    private static Path planFile(final String name)
    {
        return STATE.resolve("testbed-" + name + ".properties");
    }

    private static void save(final TestbedPlan plan)
    {
        final Properties p = new Properties();
        p.setProperty("racks", Integer.toString(plan.racks()));
        p.setProperty("hostsPerRack", Integer.toString(plan.hostsPerRack()));
        p.setProperty("hostRateMbit", Long.toString(plan.hostRateMbit()));
        p.setProperty("oversubscription", Double.toString(plan.oversubscription()));
        try
        {
            Files.createDirectories(STATE);
            try (Writer out = Files.newBufferedWriter(planFile(plan.name())))
            {
                p.store(out, "fusewire testbed " + plan.name());
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write the plan of testbed '" + plan.name() + "' under " + STATE + ": " + ex.getMessage(), ex);
        }
    }
}
