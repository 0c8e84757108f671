package io.fusewire.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.FusewireCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The command line: help for every command, sizes, and the demo run for real in two processes. */
final class CliTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        return FusewireCli.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
    }

    @Test
    void helpListsTheCommands()
    {
        assertEquals(0, run("--help"));
        for (final String command : new String[] {"demo", "aggregator", "stat", "perf", "bench", "testbed", "topo"})
        {
            assertTrue(out.toString().contains(command), out::toString);
        }
        assertTrue(!out.toString().contains("allreduce-worker"), "internal commands stay hidden");
    }

    @Test
    void gpuSaysInOneLineWhereThereIsNoDriverAndDescribesTheDevicesWhereThereIs()
    {
        final var unavailable = io.fusewire.gpu.Cuda.unavailable();
        if (unavailable.isPresent())
        {
            assertEquals(1, run("gpu"));
            assertEquals("fusewire gpu: " + unavailable.get() + System.lineSeparator(), err.toString());
            assertEquals(2, run("perf", "gpu"), "perf gpu refuses as bad input would");
        }
        else
        {
            assertEquals(0, run("gpu"), err::toString);
            assertTrue(out.toString().contains("GPU 0: ") && out.toString().contains("device AllReduce: "), out::toString);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "aggregator", "stat", "perf", "perf allreduce", "perf soak", "perf churn", "perf failover", "perf compare", "perf fusion", "perf index",
        "perf write", "perf gpu", "gpu", "gpu-worker", "bench", "testbed", "testbed up", "testbed status", "testbed down", "testbed run", "topo", "store", "allreduce-worker",
        "soak-worker", "fusion-worker"})
    void everyCommandHasHelp(final String command)
    {
        final String[] words = (command + " --help").split(" ");
        assertEquals(0, run(words));
        assertTrue(out.toString().startsWith("Usage: fusewire " + command), out::toString);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void perfFusionComparesFusedAndSyncAndWritesTheCdf(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
        throws Exception
    {
        assertEquals(0, run("perf", "fusion", "--rate", "200", "--duration", "1", "--runs", "2", "--sizes", "4K,16K", "--out",
            dir.toString(), "--timeout-s", "90"), out::toString);
        final String text = out.toString();
        assertTrue(text.contains("# 200 q/s: fused vs sync, medians: p50"), text);
        assertTrue(java.util.regex.Pattern.compile("(?m)^sync +200 q/s +\\d+ \\[\\d+-\\d+\\] .* 0$").matcher(text).find(), text);
        assertTrue(java.util.regex.Pattern.compile("(?m)^fused +200 q/s +\\d+ \\[\\d+-\\d+\\] .* 0$").matcher(text).find(), text);
        final java.util.List<String> cdf = java.nio.file.Files.readAllLines(dir.resolve("fusion-latency-cdf.csv"));
        assertEquals("fraction,sync@200q/s_us,fused@200q/s_us", cdf.getFirst());
        assertEquals(201, cdf.size());
        final java.util.List<String> summary = java.nio.file.Files.readAllLines(dir.resolve("fusion-summary.csv"));
        assertEquals(3, summary.size(), "a header, then sync and fused at the one load");
        assertTrue(summary.get(1).startsWith("sync,200 q/s,") && summary.get(2).startsWith("fused,200 q/s,"), summary::toString);
        assertTrue(java.nio.file.Files.size(dir.resolve("fusion-latency-cdf.png")) > 1000, "a PNG was drawn");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void perfIndexCalibratesThenChecksTheSplitLinearLayer(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
    {
        assertEquals(0, run("perf", "index", "--loads", "30", "--duration", "1", "--runs", "1", "--mode", "fused", "--features-in",
            "256", "--features-out", "64", "--out", dir.toString(), "--timeout-s", "90"), out::toString);
        final String text = out.toString();
        assertTrue(java.util.regex.Pattern.compile("(?m)^# closed-loop rounds, q/s .*: sync \\d+(,\\d+){7}, fused \\d+(,\\d+){7}$")
            .matcher(text).find(), "eight calibration rounds per mode: " + text);
        assertTrue(java.util.regex.Pattern.compile("(?m)^fused +30% .* 0$").matcher(text).find(), text);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void perfCompareRunsFusewireAndOpenMpiAndChecksThemAll(
        @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception
    {
        assertEquals(0, run("perf", "compare", "-b", "32K", "-e", "64K", "-f", "2", "--reps", "1", "--iters", "3", "--out",
            dir.toString(), "--timeout-s", "120"), out::toString);
        final String text = out.toString();
        assertTrue(text.contains("fusewire-aggregator") && text.contains("fusewire-ring"), text);
        assertTrue(text.contains("gloo") || text.contains("Gloo skipped"), text);
        // Open MPI is one of the test packages (.ci/setup installs it): its comparison must run, checked, not be skipped
        assertTrue(!text.contains("Open MPI skipped") && text.contains("mpi-shm"), "Open MPI must run here (run .ci/setup): " + text);
        final String csv = java.nio.file.Files.readString(dir.resolve("compare.csv"));
        assertTrue(csv.startsWith("size_bytes,system,busbw_median_gbps") && csv.contains("65536,fusewire-aggregator,"), csv);
        assertTrue(csv.contains("65536,mpi-shm,"), csv);
        assertTrue(java.nio.file.Files.size(dir.resolve("compare.png")) > 1000);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void perfSoakChecksEveryCollectiveOfTheMixAndSaysSoInOneLine()
    {
        assertEquals(0, run("perf", "soak", "--transport", "tcp", "--workers", "3", "--aggregators", "2", "--collectives", "120",
            "--big-every", "0", "--max-bytes", "2M", "--max-growth", "4G", "--timeout-s", "150"), out::toString);
        assertTrue(out.toString().contains("soak: 120 collectives, 0 wrong elements, 0 wrong collectives"), out::toString);
        assertTrue(out.toString().contains("aggregator RSS"), out::toString);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void perfChurnRunsJobsThatComeGoAndFailAgainstOneDaemon()
    {
        // 15 jobs, every 5th with a worker walking out mid-collective; RSS is not judged here (--max-growth 4G), fds and threads are
        assertEquals(0, run("perf", "churn", "--jobs", "15", "--fail-every", "5", "--max-growth", "4G", "--timeout-s", "150"), out::toString);
        assertTrue(out.toString().contains("# 15 jobs of 3 workers (3 left mid-collective)") && out.toString().contains("churn passed"),
            out::toString);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void perfFailoverKillsAnAggregatorMidCollectiveAndEverySumIsRight()
    {
        // no standby: the surviving aggregator takes over; 8 MiB collectives over tcp, one repetition
        assertEquals(0, run("perf", "failover", "--transport", "tcp", "--standbys", "0", "--size", "8M", "--collectives", "6", "--reps", "1"),
            out::toString);
        assertTrue(out.toString().contains("through the failover") && out.toString().contains("failover passed"), out::toString);
    }

    @Test
    void statReadsTheCountersOfARunningDaemon() throws Exception
    {
        try (io.fusewire.aggregator.AggregatorNode node = io.fusewire.aggregator.AggregatorNode.launch(
            new io.fusewire.aggregator.AggregatorContext().listen("127.0.0.1:0").metricsListen("127.0.0.1:0")))
        {
            assertEquals(0, run("stat", "--errors"));
            final String text = out.toString();
            assertTrue(text.contains(node.countersPath().toString()) && text.contains("distinct error"), text);
            assertTrue(text.contains("aggregator pid " + ProcessHandle.current().pid() + " (running)"), text);
            assertTrue(text.contains("chunks reduced") && text.contains("joins refused"), text);
            // the same from afar, through the daemon's metrics port
            assertEquals(0, run("stat", "--remote", "127.0.0.1:" + node.metricsPort()));
            assertTrue(out.toString().contains("fusewire aggregator " + node.address() + " over shm") && out.toString().contains("jobs: 0"),
                out::toString);
        }
        assertEquals(2, run("stat", "--remote", "127.0.0.1:1"));
        assertTrue(err.toString().contains("no status from http://127.0.0.1:1/status within 10 s"), err::toString);
    }

    @Test
    void topoPrintsThisHostAndAVersionedDocument()
    {
        assertEquals(0, run("topo"));
        assertTrue(out.toString().startsWith("host ") && out.toString().contains("network interfaces:"), out::toString);
        out.getBuffer().setLength(0);
        assertEquals(0, run("topo", "--json"));
        assertTrue(out.toString().startsWith("{\"version\":1,"), out::toString);
    }

    @Test
    void sizesParseAsNcclTestsWritesThem()
    {
        assertEquals(32 << 10, ByteSize.parse("32K"));
        assertEquals(4L << 20, ByteSize.parse("4m"));
        assertEquals(512, ByteSize.parse("512"));
        final Exception bad = assertThrows(CommandLine.TypeConversionException.class, () -> ByteSize.parse("12Q"));
        assertTrue(bad.getMessage().contains("e.g. 32K"), bad.getMessage());
    }

    @Test
    void aBadTransportIsRefusedWithTheChoices()
    {
        assertEquals(2, run("perf", "allreduce", "--transport", "carrier-pigeon"));
        assertTrue(err.toString().startsWith("fusewire allreduce: unknown transport 'carrier-pigeon': use one of [shm, tcp, verbs]"),
            err::toString);
    }

    @Test
    @EnabledIf(value = "noRdmaInKernel", disabledReason = "this kernel has RDMA support")
    void verbsWithoutRdmaFailsAtOnceSayingWhyAndWhatToUseInstead()
    {
        assertEquals(2, run("perf", "allreduce", "--transport", "verbs", "-b", "32K", "-e", "32K"));
        final String[] lines = err.toString().strip().split("\n");
        assertEquals(1, lines.length, err::toString);
        assertTrue(lines[0].startsWith("fusewire allreduce: ") && lines[0].contains("--transport tcp"), lines[0]);
    }

    @Test
    void perfWriteStreamsEverySizeOfTheSweep()
    {
        assertEquals(0, run("perf", "write", "--transport", "tcp", "-b", "4K", "-e", "64K", "--seconds", "0.2"), err::toString);
        final String[] rows = out.toString().lines().filter(l -> !l.startsWith("#") && !l.contains("size")).toArray(String[]::new);
        assertEquals(3, rows.length, out::toString);
        for (final String row : rows)
        {
            final String[] columns = row.trim().split("\\s+");
            assertTrue(Long.parseLong(columns[1]) > 0 && Double.parseDouble(columns[2]) > 0, row);
        }
    }

    static boolean noRdmaInKernel()
    {
        return !Files.exists(Path.of("/sys/class/infiniband"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theDemoRunsACheckedAllReduceAcrossThreeProcesses()
    {
        assertEquals(0, run("demo", "-b", "32K", "-e", "256K", "--timeout-s", "90"), out::toString);
        final String text = out.toString();
        assertTrue(text.contains("demo PASSED: 4 sizes"), text);
        assertTrue(text.contains("#wrong") && text.contains("  262144 "), text);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void perfAllReduceOverTcpWithTwoAggregatorsWritesJsonAndTraces(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
        throws Exception
    {
        final java.nio.file.Path json = dir.resolve("rows.json");
        // the command lines of every process the run starts, as ps shows them to any user: the job's secret is not among them
        final java.util.Set<String> commandLines = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        final Thread watcher = Thread.ofVirtual().start(() ->
        {
            while (running.get())
            {
                ProcessHandle.current().descendants().forEach(p -> p.info().commandLine().ifPresent(commandLines::add));
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
        });
        try
        {
            assertEquals(0, run("perf", "allreduce", "--workers", "3", "--aggregators", "2", "--transport", "tcp", "-b", "64K",
                "-e", "128K", "--iters", "3", "--check", "--trace", "--json", json.toString(), "--timeout-s", "90"), out::toString);
        }
        finally
        {
            running.set(false);
            watcher.join();
        }
        assertTrue(commandLines.stream().anyMatch(line -> line.contains("allreduce-worker")), commandLines::toString);
        assertTrue(commandLines.stream().noneMatch(line -> line.contains("secret")), commandLines::toString);
        for (int rank = 0; rank < 3; rank++)
        {
            assertTrue(out.toString().contains("# trace rank " + rank + ", 131072 B, us per collective: handoff"), out::toString);
        }
        assertTrue(out.toString().contains("per chunk (4 a collective): write to result"), out::toString);
        final String rows = java.nio.file.Files.readString(json);
        assertTrue(rows.contains("\"size\":65536") && rows.contains("\"size\":131072") && rows.contains("\"wrong\":0"), rows);
        assertTrue(!rows.contains("\"wrong\":1"), rows);
    }

    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @ParameterizedTest
    @ValueSource(strings = {"ring", "hfba-low"})
    void perfAllReduceBaselinesMeetThroughTheStoreAndCheck(final String algorithm)
    {
        assertEquals(0, run("perf", "allreduce", "--algo", algorithm, "--workers", "3", "-b", "32K", "-e", "64K", "--iters", "3",
            "--check", "--timeout-s", "90"), out::toString);
        assertTrue(out.toString().contains("# fusewire perf allreduce: " + algorithm + ", 3 workers, shm"), out::toString);
        assertTrue(out.toString().contains("       65536        16384     float    sum"), out::toString);
    }
}
