package io.fusewire.perf.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fusewire.perf.allreduce.AllReduceRun;
import io.fusewire.perf.cli.Placement;
import io.fusewire.topology.racks.RackInference;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The emulated cluster: its plan, and, as root, a real one brought up, measured, given a job and taken down. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class TestbedTest
{
    @Test
    void thePlanGivesEachRackASubnetAndShapesEveryLinkBothWays()
    {
        final TestbedPlan plan = new TestbedPlan("x", 2, 4, 1000, 2);
        assertEquals(2000, plan.uplinkRateMbit(), "4 hosts x 1 Gbit/s over an oversubscription of 2");
        assertEquals(8, plan.hosts().size());
        assertEquals("10.77.1.13", plan.hosts().get(7).address());
        assertEquals("fw-x-r1h3", plan.hosts().get(7).namespace());
        assertEquals(List.of(List.of("r0h0", "r0h1", "r0h2", "r0h3"), List.of("r1h0", "r1h1", "r1h2", "r1h3")), plan.rackNames());
        final List<List<String>> shaped = plan.upCommands().stream().filter(c -> c.contains("tbf")).toList();
        assertEquals(2 * 8 + 2 * 2, shaped.size(), "each host link and each uplink, in both directions");
        assertEquals(4, shaped.stream().filter(c -> c.contains("2000mbit")).count(), shaped::toString);
        final List<List<String>> links = plan.upCommands().stream().filter(c -> c.contains("veth")).toList();
        assertEquals(2 + 8, links.size(), "an uplink per rack and a link per host");
        for (final List<String> link : links)
        {
            assertTrue(link.get(2).startsWith("fw-x-") && link.get(link.indexOf("netns") + 1).startsWith("fw-x-"),
                "both ends of every link lie in the testbed's own namespaces, none in the machine's: " + link);
        }
        assertEquals(100, TestbedCommand.megabits("100mbit"));
        assertEquals(1500, TestbedCommand.megabits("1.5gbit"));
        assertThrows(IllegalArgumentException.class, () -> TestbedCommand.megabits("fast"));
        final IllegalArgumentException name = assertThrows(IllegalArgumentException.class, () -> new TestbedPlan("My Bed", 1, 1, 1, 1));
        assertTrue(name.getMessage().contains("lower-case"), name.getMessage());
    }

    @Test
    void aRealTestbedShapesFlowsCarriesAJobAcrossRacksAndComesDownTwice() throws Exception
    {
        assumeTrue(Testbeds.isRoot(), "namespaces need root");
        final String name = "jt" + ProcessHandle.current().pid();
        final TestbedPlan plan = new TestbedPlan(name, 2, 2, 40, 1);
        try
        {
            Testbeds.up(plan);
            assertEquals(plan, Testbeds.find(name));
            final IllegalStateException twice = assertThrows(IllegalStateException.class, () -> Testbeds.up(plan));
            assertTrue(twice.getMessage().contains("already up"), twice.getMessage());
            final double inRack = flow(plan, "r0h0", "r0h1");
            assertTrue(inRack > 40 * 0.3 && inRack < 40 * 1.15, "a flow in a rack runs at the 40 Mbit/s host rate: " + inRack);
            final double acrossRacks = flow(plan, "r0h1", "r1h0");
            assertTrue(acrossRacks > 40 * 0.3 && acrossRacks < 40 * 1.15, "routed through the spine, at the host rate: " + acrossRacks);
            final Placement placement = TestbedPlacement.place(name, 2, 1, TestbedPlacement.Policy.IN_ORDER).placement();
            assertEquals(List.of(TestbedPlan.exec(plan.namespace("r0h0")), TestbedPlan.exec(plan.namespace("r0h1"))),
                placement.workerWrappers());
            assertEquals(List.of("10.77.1.11"), placement.aggregatorAddresses(), "the aggregator in the other rack");
            assertEquals("rack 0: worker 0 on r0h0, aggregator 0 on r0h1; rack 1: worker 1 on r1h0; the busiest uplink carries 1.00 x the"
                + " tensor each way", TestbedPlacement.place(name, 2, 1, TestbedPlacement.Policy.TOPOLOGY).job().describe());
            final StringWriter log = new StringWriter();
            final AllReduceRun.Result job = AllReduceRun.run(new AllReduceRun.Options("aggregator", 2, 1, "tcp", "32K", "128K", 2, 3, true,
                "64K", 4, "caller", false, 60), placement, new PrintWriter(log));
            assertTrue(job.passed(), "a checked job with its workers in rack 0 and its aggregator in rack 1: " + job.failures() + log);
            final Placement everyHost = TestbedPlacement.place(name, 4, 0, TestbedPlacement.Policy.TOPOLOGY).placement();
            for (final String baseline : List.of("ring", "hfba-high"))
            {
                // small sizes: every worker first runs a thousand collectives of the smallest size to warm the JIT, at 40 Mbit/s
                final AllReduceRun.Result run = AllReduceRun.run(new AllReduceRun.Options(baseline, 4, 1, "tcp", "4K", "16K", 4, 3, true,
                    "64K", 4, "caller", false, 60), everyHost, new PrintWriter(log));
                assertTrue(run.passed(), baseline + " over the hosts' own addresses, its store in r0h0's host: "
                    + run.failures() + log);
            }
            final IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> TestbedPlacement.place(name, 4, 1,
                TestbedPlacement.Policy.TOPOLOGY));
            assertTrue(tooMany.getMessage().contains("one process per host"), tooMany.getMessage());
        }
        finally
        {
            // a run left behind, as a killed launcher leaves its processes: down must kill it, not fail on its namespace
            final List<String> sleep = new ArrayList<>(TestbedPlan.exec(plan.namespace("r1h1")));
            sleep.addAll(List.of("sleep", "600"));
            final Process stranded = new ProcessBuilder(sleep).start();
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Commands.run(List.of("ip", "netns", "pids", plan.namespace("r1h1"))).lines()
                .noneMatch(pid -> pid.strip().equals(Long.toString(stranded.pid()))) && System.nanoTime() < until)
            {
                Thread.sleep(50);
            }
            Testbeds.down(name);
            assertTrue(stranded.waitFor(10, TimeUnit.SECONDS), "a process still running in a host was killed by down");
        }
        assertEquals(0, Testbeds.down(name), "a second down finds nothing");
        assertTrue(Commands.namespaces().stream().noneMatch(ns -> ns.startsWith(TestbedPlan.namespacePrefix(name))));
        assertEquals(null, Testbeds.find(name));
    }

    @ParameterizedTest(name = "{0} racks x {1} hosts")
    @CsvSource({"3, 2, 8", "2, 3, 3", "1, 3, 1"})
    void racksInferredFromEachHostsRoutesAreTheRealOnes(final int racks, final int hosts, final double oversubscription)
    {
        assumeTrue(Testbeds.isRoot(), "namespaces need root");
        final String name = "jr" + ProcessHandle.current().pid();
        final TestbedPlan plan = new TestbedPlan(name, racks, hosts, 100, oversubscription);
        try
        {
            Testbeds.up(plan);
            assertEquals(plan.rackNames(), RackInference.racks(plan.hosts().stream().map(TestbedPlan.Host::name).toList(), TestbedRoutes.direct(plan)));
        }
        finally
        {
            Testbeds.down(name);
        }
    }

    /** @return Mbit/s of a 2 MB TCP flow from one host to another. */
    private static double flow(final TestbedPlan plan, final String from, final String to) throws Exception
    {
        final TestbedPlan.Host target = plan.hosts().stream().filter(h -> h.name().equals(to)).findFirst().orElseThrow();
        final Process receiver = probe(plan, to, "receive", "7000", "2000000");
        Process sender = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8)))
        {
            assertEquals("listening", lines.readLine());
            sender = probe(plan, from, "send", target.address(), "7000", "2000000");
            assertTrue(sender.waitFor(30, TimeUnit.SECONDS) && sender.exitValue() == 0, "the sender finished");
            final String result = lines.readLine();
            assertTrue(receiver.waitFor(30, TimeUnit.SECONDS), "the receiver finished");
            assertTrue(result != null && result.startsWith("mbit "), String.valueOf(result));
            return Double.parseDouble(result.substring(5));
        }
        finally
        {
            receiver.destroyForcibly();
            if (sender != null)
            {
                sender.destroyForcibly();
            }
        }
    }

    private static Process probe(final TestbedPlan plan, final String host, final String... args) throws Exception
    {
        final List<String> command = new ArrayList<>(TestbedPlan.exec(plan.namespace(host)));
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
            ShapingProbe.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
