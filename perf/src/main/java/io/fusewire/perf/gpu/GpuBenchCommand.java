package io.fusewire.perf.gpu;

import io.fusewire.gpu.Cuda;
import io.fusewire.gpu.GpuContext;
import io.fusewire.perf.cli.ByteSize;
import io.fusewire.perf.cli.LocalCluster;
import io.fusewire.perf.cli.Spread;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fusewire perf gpu}: what the GPU bridge costs and gains on this host. Copy bandwidth
 * between pinned host memory and the device; allocate/free cycles with what the device and the
 * process hold before and after; and an AllReduce of one fp32 tensor by 2 workers through 1
 * aggregator, from pinned host memory and from device memory (staged), every sum checked.
 */
@Command(name = "gpu", mixinStandardHelpOptions = true,
    description = {"On a CUDA host: pinned-memory copy bandwidth, a leak check over allocate/free cycles, and an fp32 AllReduce",
        "(2 workers, 1 aggregator, one host) from pinned host memory against the same from device memory through the",
        "staged pipeline, as medians of repeated runs [min-max], every sum checked. Exit code 1 if anything failed or leaked."})
public final class GpuBenchCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--bytes", defaultValue = "256M", converter = ByteSize.class, description = "Tensor size (default ${DEFAULT-VALUE}).")
    long bytes;

    @Option(names = "--reps", defaultValue = "5", description = "Timed runs of each (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--device", defaultValue = "0", description = "The GPU's ordinal (default ${DEFAULT-VALUE}).")
    int device;

    @Option(names = "--transport", defaultValue = "shm", description = "shm or tcp (default ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--chunk", defaultValue = "256K", description = "The job's chunk size (default ${DEFAULT-VALUE}).")
    String chunk;

    @Option(names = "--window", defaultValue = "4", description = "Chunks in flight per aggregator (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--slots", defaultValue = "8", description = "Staging slots (default ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--slot", defaultValue = "4M", description = "Bytes per staging slot (default ${DEFAULT-VALUE}).")
    String slot;

    @Option(names = "--cycles", defaultValue = "1000", description = "Allocate/free cycles of the leak check; 0 skips it (default ${DEFAULT-VALUE}).")
    int cycles;

    @Option(names = "--timeout-s", defaultValue = "300", description = "Bound on the AllReduce run (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        Cuda.unavailable().ifPresent(reason ->
        {
            throw new IllegalStateException(reason);
        });
        boolean passed = true;
        try (GpuContext gpu = GpuContext.open(device))
        {
            final CopyBandwidth.Result copies = CopyBandwidth.measure(gpu, bytes, reps);
            out.println(String.format(Locale.ROOT, "copy %s pinned host <-> GPU %d, GB/s, median [min-max] of %d: to host %s, to device %s",
                (bytes >> 20) + " MiB", device, reps, spread(copies.toHost()), spread(copies.toDevice())));
            if (cycles > 0)
            {
                final long cycleBytes = 1L << 20;
                final AllocationCycles.Result cycled = AllocationCycles.run(gpu, cycles, cycleBytes);
                out.println(String.format(Locale.ROOT, "%d cycles of 1 MiB device + 1 MiB pinned + a pinned view: device free %d -> %d MiB,"
                        + " process resident %d -> %d MiB, still open %d: %s", cycles, cycled.deviceFreeBefore() >> 20,
                    cycled.deviceFreeAfter() >> 20, cycled.rssBefore() >> 20, cycled.rssAfter() >> 20, cycled.openAfter(),
                    cycled.leaked(cycleBytes, cycleBytes) ? "LEAKED" : "no leak"));
                passed = !cycled.leaked(cycleBytes, cycleBytes);
            }
        }
        out.flush();
        return allReduce(out) && passed ? 0 : 1;
    }

    private boolean allReduce(final PrintWriter out) throws Exception
    {
        final Map<String, double[]> series = new ConcurrentHashMap<>();
        final List<String> wrong = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        try (LocalCluster cluster = new LocalCluster(out, timeoutSeconds))
        {
            final List<String> aggregators = cluster.startAggregators(1, transport);
            cluster.startWorkers(2, rank -> List.of("gpu-worker", "--rank", Integer.toString(rank), "--workers", "2", "--aggregators",
                String.join(",", aggregators), "--transport", transport, "--job", Long.toString(cluster.job()), "--bytes",
                Long.toString(bytes), "--reps", Integer.toString(reps), "--device", Integer.toString(device), "--chunk", chunk, "--window",
                Integer.toString(window), "--slots", Integer.toString(slots), "--slot", slot, "--timeout-ms",
                Long.toString(cluster.remainingMs())), (rank, line) ->
                {
                    final String[] words = line.split(" ");
                    if ("wrong".equals(words[0]))
                    {
                        synchronized (wrong)
                        {
                            wrong.add("rank " + rank + ": " + words[1] + " pinned, " + words[2] + " staged");
                        }
                    }
                    else if (rank == 0)
                    {
                        series.put(words[0], Arrays.stream(words[1].split(",")).mapToDouble(Double::parseDouble).toArray());
                    }
                });
            failures.addAll(cluster.awaitWorkers());
        }
        catch (final TimeoutException ex)
        {
            failures.add("the aggregator did not start listening within " + timeoutSeconds + " s");
        }
        final String what = String.format(Locale.ROOT, "AllReduce fp32 %s, 2 workers, 1 aggregator, %s, chunk %s x window %d, staging %d x %s",
            (bytes >> 20) + " MiB", transport, chunk, window, slots, slot);
        if (!failures.isEmpty() || !series.containsKey("pinned") || !series.containsKey("staged"))
        {
            out.println(what + ": FAILED: " + String.join("; ", failures));
            return false;
        }
        final double pinned = Spread.median(series.get("pinned"));
        final double staged = Spread.median(series.get("staged"));
        out.println(what + ", ms, median [min-max] of " + reps + " (rank 0):");
        out.println(String.format(Locale.ROOT, "  from pinned host memory  %s  (%.2f GB/s algbw)", spread(series.get("pinned")), bytes / pinned / 1e6));
        out.println(String.format(Locale.ROOT, "  from device memory       %s  (%.2f GB/s algbw) = %.2fx the pinned one's throughput",
            spread(series.get("staged")), bytes / staged / 1e6, pinned / staged));
        out.println(String.format(Locale.ROOT, "  staged copies not hidden by the collectives: head (first copy in) %s, tail (last copy out) %s",
            spread(series.get("head")), spread(series.get("tail"))));
        out.println("  checked: wrong elements " + String.join("; ", wrong));
        return wrong.size() == 2 && wrong.stream().allMatch(w -> w.endsWith(": 0 pinned, 0 staged"));
    }

    private static String spread(final double[] values)
    {
        return String.format(Locale.ROOT, "%.2f [%.2f-%.2f]", Spread.median(values), Spread.min(values), Spread.max(values));
    }
}
