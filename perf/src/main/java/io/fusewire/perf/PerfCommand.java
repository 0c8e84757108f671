package io.fusewire.perf;

import io.fusewire.perf.allreduce.AllReduceCommand;
import io.fusewire.perf.bench.WriteCommand;
import io.fusewire.perf.compare.CompareCommand;
import io.fusewire.perf.fusion.FusionCommand;
import io.fusewire.perf.fusion.IndexCommand;
import io.fusewire.perf.gpu.GpuBenchCommand;
import io.fusewire.perf.soak.ChurnCommand;
import io.fusewire.perf.soak.FailoverCommand;
import io.fusewire.perf.soak.SoakCommand;
import picocli.CommandLine.Command;

/** {@code fusewire perf}: the performance harness. */
@Command(name = "perf", mixinStandardHelpOptions = true, description = "Performance harness: sweeps in nccl-tests' format.",
    subcommands = {AllReduceCommand.class, SoakCommand.class, ChurnCommand.class, FailoverCommand.class, CompareCommand.class, FusionCommand.class, IndexCommand.class, GpuBenchCommand.class, WriteCommand.class})
public final class PerfCommand
{
}
