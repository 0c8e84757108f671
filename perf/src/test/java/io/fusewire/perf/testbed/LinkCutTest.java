package io.fusewire.perf.testbed;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fusewire.perf.allreduce.AllReduceRun;
import io.fusewire.perf.cli.Placement;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A host whose link is cut in the middle of a job fails the job within a bound, naming the host (root only). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class LinkCutTest
{
    private static final Pattern FIRST_ROW = Pattern.compile("(?m)^\\s+32768\\s");

    @Test
    void aWorkerWhoseLinkIsCutFailsTheJobWithinABoundNamingItsHost() throws Exception
    {
        assumeTrue(Testbeds.isRoot(), "namespaces need root");
        final String name = "jc" + ProcessHandle.current().pid();
        final TestbedPlan plan = new TestbedPlan(name, 2, 2, 100, 1);
        try
        {
            Testbeds.up(plan);
            final Placement placement = TestbedPlacement.place(name, 2, 1, TestbedPlacement.Policy.IN_ORDER).placement();
            final StringWriter log = new StringWriter();
            // 32 KiB x 100 first (a row that says the job runs), then 1 MiB x 100: about 25 s at 100 Mbit/s, cut well before its end
            final CompletableFuture<AllReduceRun.Result> job = CompletableFuture.supplyAsync(() -> run(placement, log));
            final long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!FIRST_ROW.matcher(log.toString()).find() && !job.isDone() && System.nanoTime() < waitUntil)
            {
                Thread.sleep(50);
            }
            assertTrue(FIRST_ROW.matcher(log.toString()).find(), "the job ran its first size before the cut: " + log);
            final long cut = System.nanoTime();
            Commands.run(List.of("ip", "-n", plan.namespace("r0h1"), "link", "set", "eth0", "down"));
            final AllReduceRun.Result result = job.get(90, TimeUnit.SECONDS);
            final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - cut);
            assertFalse(result.passed(), "a job that lost a worker's link cannot pass: " + log);
            assertTrue(seconds < 45, "failed " + seconds + " s after the cut: the straggler bound (5 s) and the peer timeout (10 s), "
                + "with the processes' exit, not the job's 120 s timeout");
            assertTrue(result.failures().stream().anyMatch(f -> f.contains("rank 1 (" + TestbedPlan.address(0, 1) + ":")),
                "the failure names rank 1 with its host's address " + TestbedPlan.address(0, 1) + ": " + result.failures());
        }
        finally
        {
            Testbeds.down(name);
        }
    }

    private static AllReduceRun.Result run(final Placement placement, final StringWriter log)
    {
        try
        {
            return AllReduceRun.run(new AllReduceRun.Options("aggregator", 2, 1, "tcp", "32K", "1M", 32, 100, false, "256K", 4, "caller",
                false, 120), placement, new PrintWriter(log, true));
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
