package io.fusewire.perf.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fusewire.perf.cli.FusewireCli;
import io.fusewire.perf.testbed.TestbedPlan;
import io.fusewire.perf.testbed.Testbeds;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code perf compare --testbed}: every system across a real testbed's hosts, checked, Open MPI launched into the namespaces. */
final class CompareTestbedTest
{
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void everySystemRunsCheckedAcrossTheHosts(@TempDir final Path dir) throws Exception
    {
        assumeTrue(Testbeds.isRoot(), "namespaces need root");
        final String name = "jm" + ProcessHandle.current().pid();
        final StringWriter out = new StringWriter();
        try
        {
            Testbeds.up(new TestbedPlan(name, 2, 3, 200, 3));
            // small sizes: Fusewire's workers first warm the JIT with a thousand collectives of the smallest
            final int code = FusewireCli.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(out, true)).execute("perf",
                "compare", "--testbed", name, "--transport", "tcp", "--workers", "4", "--aggregators", "2", "-b", "4K", "-e", "16K",
                "--reps", "1", "--iters", "3", "--timeout-s", "120", "--out", dir.toString());
            // Open MPI's launch across namespaces now and then never hears from the daemon of another rack (mpirun waits
            // out its bound): that peer's failure is reported, and is the only one allowed
            final List<String> failed = out.toString().lines().filter(line -> line.startsWith("# FAILED: ")).toList();
            assertTrue(failed.stream().allMatch(line -> line.startsWith("# FAILED: mpi-tcp: ")), out::toString);
            assertEquals(failed.isEmpty() ? 0 : 1, code, out::toString);
        }
        finally
        {
            Testbeds.down(name);
        }
        final String text = out.toString();
        assertTrue(text.contains("fusewire-ring-unaware placed alternating: rack 0: worker 0 on r0h0, worker 2 on r0h1; rack 1: worker 1"
            + " on r1h0, worker 3 on r1h1"), text);
        // Open MPI is one of the test packages (.ci/setup installs it): it must be launched into the hosts, over tcp only
        assertTrue(!text.contains("Open MPI skipped") && text.contains("# rep 1/1: mpi-tcp") && !text.contains("mpi-shm"), text);
        final String json = Files.readString(dir.resolve("compare.json"));
        assertTrue(!json.contains("NaN"), "a system that failed has null figures, not NaN (which is not JSON): " + json);
        for (final String system : List.of("fusewire-hierarchical", "fusewire-hierarchical-hosts", "fusewire-aggregator", "fusewire-ring",
            "fusewire-ring-unaware", "fusewire-hfba-high", "fusewire-hfba-low"))
        {
            assertTrue(json.contains("{\"size\":16384,\"system\":\"" + system + "\",\"workers\":4,\"testbed\":\"" + name + "\""),
                system + " measured at 16 KiB: " + json);
        }
        // every modelled system is printed and written with its link bound; HFBA's pattern is not modelled
        assertTrue(text.contains("# link bounds on busbw") && text.contains("fusewire-hfba-high -") && text.lines().anyMatch(
            line -> line.trim().startsWith("of bound")), text);
        assertTrue(json.matches("(?s).*\"system\":\"fusewire-hierarchical\".*?\"busbw_bound_gbps\":0\\.\\d+\\}.*")
            && json.matches("(?s).*\"system\":\"fusewire-hfba-high\".*?\"busbw_bound_gbps\":null\\}.*"), json);
    }
}
