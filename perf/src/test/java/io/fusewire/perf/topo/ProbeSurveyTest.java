package io.fusewire.perf.topo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fusewire.perf.testbed.TestbedPlan;
import io.fusewire.perf.testbed.Testbeds;
import io.fusewire.topology.probe.LinkSurvey;
import io.fusewire.topology.probe.Survey;
import io.fusewire.perf.cli.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Racks inferred from links measured over the transport, on real testbeds (root only). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ProbeSurveyTest
{
    private static final long RATE = 100;

    @ParameterizedTest(name = "{0} racks x {1} hosts, oversubscription {2}")
    @CsvSource({"2, 3, 3", "3, 2, 8", "1, 3, 1"})
    void probedRacksAreTheRealOnesAndTheLinksMeasureAsShaped(final int racks, final int hosts, final double oversubscription)
        throws Exception
    {
        assumeTrue(Testbeds.isRoot(), "namespaces need root");
        final String name = "jp" + ProcessHandle.current().pid();
        final TestbedPlan plan = new TestbedPlan(name, racks, hosts, RATE, oversubscription);
        try
        {
            Testbeds.up(plan);
            final Survey survey;
            try (ProbeAgents agents = new ProbeAgents(plan, "tcp"))
            {
                survey = LinkSurvey.run(agents.hosts());
            }
            assertEquals(plan.rackNames(), survey.racks(), "probed racks");
            final List<String> names = survey.hosts();
            for (int i = 0; i < names.size(); i++)
            {
                for (int j = 0; j < names.size(); j++)
                {
                    if (i != j)
                    {
                        final boolean sameRack = names.get(i).charAt(1) == names.get(j).charAt(1);
                        assertEquals(sameRack ? 0 : 3, survey.hops()[i][j], names.get(i) + " -> " + names.get(j)
                            + ": the rack router, the spine, the other rack's router");
                    }
                }
            }
            for (final Survey.Flow flow : survey.flows())
            {
                final double expected = flow.from().charAt(1) == flow.to().charAt(1) ? RATE : Math.min(RATE, plan.uplinkRateMbit());
                assertTrue(flow.mbit() > expected * 0.5 && flow.mbit() < expected * 1.15, flow + ": shaped to " + expected + " Mbit/s");
            }
            if (racks > 1 && hosts > 1)
            {
                assertEquals((racks * (racks - 1)) / 2, survey.interference().size());
                survey.interference().forEach(i -> assertTrue(i.shared(), "uplinks of " + plan.uplinkRateMbit()
                    + " Mbit/s carry no more than one flow's rate: " + i));
            }
        }
        finally
        {
            Testbeds.down(name);
        }
    }

    @Test
    void agentsRunningAsDaemonsAreSurveyedOverTcpFromInsideTheTestbed(@TempDir final Path dir) throws Exception
    {
        assumeTrue(Testbeds.isRoot(), "namespaces need root");
        final Path secret = Files.writeString(dir.resolve("probe-secret"), "shared by the agents and topo\n");
        final String name = "jh" + ProcessHandle.current().pid();
        final TestbedPlan plan = new TestbedPlan(name, 2, 2, RATE, 1);
        final List<ChildJvm> daemons = new ArrayList<>();
        try
        {
            Testbeds.up(plan);
            for (final TestbedPlan.Host host : plan.hosts())
            {
                daemons.add(ChildJvm.start("agent on " + host.name(), TestbedPlan.exec(host.namespace()), List.of("probe-agent", "--address",
                    host.address(), "--control", "--secret-file", secret.toString()), "probe-agent: controllers answered on ", line -> { }, List.of("-Xmx128m")));
            }
            for (final ChildJvm daemon : daemons)
            {
                assertTrue(daemon.announcement().get(60, TimeUnit.SECONDS).endsWith(":7701"), daemon.name());
            }
            final String hosts = plan.hosts().stream().map(TestbedPlan.Host::address).collect(Collectors.joining(","));
            final List<String> lines = new CopyOnWriteArrayList<>();
            try (ChildJvm topo = ChildJvm.start("topo", TestbedPlan.exec(plan.namespace("r0h0")), List.of("topo", "--hosts", hosts, "--json",
                "--secret-file", secret.toString()),
                null, lines::add, List.of()))
            {
                assertEquals(0, topo.awaitExit(TimeUnit.SECONDS.toNanos(60)), () -> String.join("\n", lines));
            }
            final String json = lines.stream().filter(line -> line.startsWith("{")).findFirst().orElse(String.join("\n", lines));
            assertTrue(json.contains("\"racks\":[[\"10.77.0.10\",\"10.77.0.11\"],[\"10.77.1.10\",\"10.77.1.11\"]]"), json);
        }
        finally
        {
            for (final ChildJvm daemon : daemons)
            {
                daemon.close();
            }
            Testbeds.down(name);
        }
    }
}
