package io.fusewire.perf.compare;

import io.fusewire.perf.allreduce.AllReduceRun;
import io.fusewire.perf.allreduce.Row;
import io.fusewire.perf.allreduce.SweepCollector;
import io.fusewire.perf.cli.ChildJvm;
import io.fusewire.perf.cli.LocalCluster;
import io.fusewire.perf.testbed.TestbedPlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The peer systems of {@code perf compare}, run as their users run them: torch.distributed with
 * the Gloo backend (Debian's python3-torch, {@code /usr/bin/python3}), and Open MPI's MPI_Allreduce
 * through a small C program compiled with mpicc, on shared memory ({@code --mca btl vader,self}) or
 * TCP ({@code --mca btl tcp,self}). Both print the same result lines as Fusewire's workers. The
 * programs live in a temporary directory of their own, removed on close.
 *
 * <p>On a testbed each rank runs in its host's namespace: Gloo's ranks are started there directly
 * (on the host's interface, {@code GLOO_SOCKET_IFNAME}); mpirun runs in rank 0's host and starts
 * its daemons in the others through a launcher script that enters the host's namespace in place of
 * ssh ({@code plm_rsh_agent}). All the hosts share this machine's cores, which MPI cannot see: its
 * ranks are told to yield when idle, as it does itself when it knows it oversubscribes.
 */
final class PeerRun implements AutoCloseable
{
    static final String PYTHON = "/usr/bin/python3";

    private final Path workDir;
    private final PrintWriter out;

    /**
     * @param out where the peers' errors go.
     * @throws IOException if no temporary directory can be made.
     */
    PeerRun(final PrintWriter out) throws IOException
    {
        this.workDir = Files.createTempDirectory("fusewire-peers");
        this.out = out;
    }

    /** Removes the peers' programs. */
    @Override
    public void close() throws IOException
    {
        try (Stream<Path> files = Files.walk(workDir))
        {
            for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
    }

    /** @return null if Gloo can run here, else why not and what to install. */
    static String glooMissing()
    {
        return works(List.of(PYTHON, "-c", "import torch.distributed as d; assert d.is_gloo_available()"))
            ? null : "Gloo skipped: " + PYTHON + " cannot import torch with Gloo (apt-get install python3-torch, or run perf/setup-peers.sh)";
    }

    /** @return null if Open MPI can run here, else why not and what to install. */
    static String mpiMissing()
    {
        return works(List.of("mpicc", "--version")) && works(List.of("mpirun", "--version"))
            ? null : "Open MPI skipped: mpicc or mpirun not found (apt-get install openmpi-bin libopenmpi-dev, or run perf/setup-peers.sh)";
    }

    /**
     * @param workers N.
     * @param sweep   what to run.
     * @param hosts   each rank's testbed host; empty for all on this host's loopback.
     * @return the rows and failures.
     * @throws Exception if the peer cannot be started.
     */
    AllReduceRun.Result gloo(final int workers, final Sweep sweep, final List<TestbedPlan.Host> hosts) throws Exception
    {
        final Path script = extract("gloo_allreduce.py");
        final String master = (hosts.isEmpty() ? "127.0.0.1" : hosts.getFirst().address()) + ":" + freePort();
        final SweepCollector collector = new SweepCollector(workers, workers, row -> { });
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final List<ChildJvm> ranks = new ArrayList<>();
        try
        {
            for (int rank = 0; rank < workers; rank++)
            {
                final List<String> command = new ArrayList<>();
                if (!hosts.isEmpty())
                {
                    command.addAll(TestbedPlan.exec(hosts.get(rank).namespace()));
                    command.addAll(List.of("env", "GLOO_SOCKET_IFNAME=" + TestbedPlan.HOST_DEVICE));
                }
                command.addAll(List.of(PYTHON, script.toString(), "--rank", Integer.toString(rank), "--world", Integer.toString(workers),
                    "--master", master));
                command.addAll(sweep.arguments(true));
                final int r = rank;
                ranks.add(ChildJvm.startProgram("gloo rank " + rank, command, line -> route(line, r, collector, failures)));
            }
            await(ranks, sweep, failures);
        }
        finally
        {
            for (final ChildJvm rank : ranks)
            {
                rank.close();
            }
        }
        return new AllReduceRun.Result(collector.rows(), sweep.sizes(), List.copyOf(failures));
    }

    /**
     * @param workers N.
     * @param btl     Open MPI's byte transfer layers, e.g. {@code tcp,self}.
     * @param sweep   what to run.
     * @param hosts   each rank's testbed host; empty for all on this host.
     * @return the rows and failures.
     * @throws Exception if the program cannot be built or started.
     */
    AllReduceRun.Result mpi(final int workers, final String btl, final Sweep sweep, final List<TestbedPlan.Host> hosts) throws Exception
    {
        final Path binary = compileMpi();
        final SweepCollector collector = new SweepCollector(1, workers, row -> { });
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final List<String> command = new ArrayList<>();
        if (hosts.isEmpty())
        {
            command.addAll(List.of("mpirun", "--allow-run-as-root", "--oversubscribe", "-np", Integer.toString(workers)));
        }
        else
        {
            command.addAll(TestbedPlan.exec(hosts.getFirst().namespace()));
            command.addAll(List.of("mpirun", "--allow-run-as-root", "-np", Integer.toString(workers), "--hostfile", hostfile(hosts).toString(),
                "--mca", "plm_rsh_agent", launcher(hosts).toString(), "--mca", "plm_rsh_no_tree_spawn", "1",
                "--mca", "btl_tcp_if_include", TestbedPlan.HOST_DEVICE, "--mca", "oob_tcp_if_include", TestbedPlan.HOST_DEVICE,
                "--mca", "mpi_yield_when_idle", "1"));
        }
        command.addAll(List.of("--mca", "btl", btl, binary.toString()));
        command.addAll(sweep.arguments(false));
        try (ChildJvm mpirun = ChildJvm.startProgram("mpirun", command, line -> route(line, 0, collector, failures)))
        {
            await(List.of(mpirun), sweep, failures);
        }
        return new AllReduceRun.Result(collector.rows(), sweep.sizes(), List.copyOf(failures));
    }

    private void route(final String line, final int rank, final SweepCollector collector, final List<String> failures)
    {
        if (line.startsWith(LocalCluster.RESULT))
        {
            collector.accept(rank, line.substring(LocalCluster.RESULT.length()));
        }
        else if (line.startsWith(LocalCluster.FAILED))
        {
            failures.add(line.substring(LocalCluster.FAILED.length()));
        }
        else if (line.contains("rror"))
        {
            out.println("[peer] " + line);
        }
    }

    private static void await(final List<ChildJvm> processes, final Sweep sweep, final List<String> failures)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(sweep.timeoutSeconds());
        for (final ChildJvm process : processes)
        {
            final Integer code = process.awaitExit(deadline - System.nanoTime());
            if (code == null || code != 0)
            {
                failures.add(process.name() + (code == null ? " did not finish in time" : " exited with code " + code));
            }
        }
    }

    /** @return a hostfile naming each rank's host by address, one slot each, in rank order. */
    private Path hostfile(final List<TestbedPlan.Host> hosts) throws IOException
    {
        return Files.write(workDir.resolve("hostfile"), hosts.stream().map(host -> host.address() + " slots=1").toList());
    }

    /** @return mpirun's launcher: runs its command in the namespace of the host at the address it is given, in place of ssh. */
    private Path launcher(final List<TestbedPlan.Host> hosts) throws IOException
    {
        final List<String> script = new ArrayList<>(List.of("#!/bin/sh", "# mpirun's launcher on a Fusewire testbed: HOST COMMAND...",
            "host=$1; shift", "case \"$host\" in"));
        hosts.forEach(host -> script.add("  " + host.address() + ") ns=" + host.namespace() + " ;;"));
        script.addAll(List.of("  *) echo \"not a host of this testbed: $host\" >&2; exit 1 ;;", "esac",
            "exec ip netns exec \"$ns\" /bin/sh -c \"$*\""));
        final Path file = Files.write(workDir.resolve("testbed-launcher.sh"), script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    private Path compileMpi() throws IOException, InterruptedException
    {
        final Path binary = workDir.resolve("mpi_allreduce");
        if (!Files.exists(binary))
        {
            final Path source = extract("mpi_allreduce.c");
            final Process cc = new ProcessBuilder("mpicc", "-O2", "-o", binary.toString(), source.toString()).redirectErrorStream(true)
                .start();
            final String log = new String(cc.getInputStream().readAllBytes());
            if (!cc.waitFor(120, TimeUnit.SECONDS) || cc.exitValue() != 0)
            {
                throw new IOException("mpicc failed: " + log);
            }
        }
        return binary;
    }

    private Path extract(final String resource) throws IOException
    {
        final Path file = workDir.resolve(resource);
        try (InputStream in = PeerRun.class.getResourceAsStream("/peers/" + resource))
        {
            if (in == null)
            {
                throw new IOException("the peer program " + resource + " is missing from the build");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    private static boolean works(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
