package io.fusewire.perf.topo;

import io.fusewire.perf.cli.ChildJvm;
import io.fusewire.perf.testbed.Testbeds;
import io.fusewire.perf.testbed.TestbedPlan;
import io.fusewire.topology.probe.ProbeAgent;
import io.fusewire.topology.probe.ProbeHost;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A probe agent in every host of a testbed, each a JVM started inside its host's namespace, asked
 * through its standard input and answering on its output: the launcher never needs an address in
 * the testbed.
 */
final class ProbeAgents implements AutoCloseable
{
    private static final Duration START_BOUND = Duration.ofSeconds(90);
    private static final int KEPT_LINES = 20;

    private final List<ChildJvm> children = new ArrayList<>();
    private final List<ProbeHost> hosts = new ArrayList<>();

    /**
     * Starts one agent per host and waits for each to announce itself; on any failure stops those started.
     *
     * @throws IllegalStateException naming the host whose agent exited or did not start within the bound.
     */
    ProbeAgents(final TestbedPlan plan, final String transport) throws IOException, InterruptedException
    {
        Testbeds.requireRoot();
        try
        {
            start(plan.hosts(), transport);
        }
        catch (final IOException | RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    private void start(final List<TestbedPlan.Host> planned, final String transport) throws IOException, InterruptedException
    {
        final List<BlockingQueue<String>> replies = new ArrayList<>();
        final List<Deque<String>> logs = new ArrayList<>();
        for (final TestbedPlan.Host host : planned)
        {
            final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
            final Deque<String> log = new ConcurrentLinkedDeque<>();
            replies.add(answers);
            logs.add(log);
            children.add(ChildJvm.start("probe agent on " + host.name(), TestbedPlan.exec(host.namespace()),
                List.of("probe-agent", "--address", host.address(), "--transport", transport), ProbeAgentCommand.ANNOUNCEMENT,
                line -> keep(line, answers, log), List.of("-Xmx128m", "-XX:+UseSerialGC")));
        }
        final long deadline = System.nanoTime() + START_BOUND.toNanos();
        for (int i = 0; i < children.size(); i++)
        {
            final TestbedPlan.Host host = planned.get(i);
            final ChildJvm child = children.get(i);
            final BlockingQueue<String> answers = replies.get(i);
            final Deque<String> log = logs.get(i);
            final String[] announced;
            try
            {
                announced = child.announcement().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).split(" ");
            }
            catch (final ExecutionException ex)
            {
                throw new IllegalStateException("the probe agent on " + host.name() + " exited before it was ready: " + String.join(" | ", log),
                    ex);
            }
            catch (final TimeoutException ex)
            {
                throw new IllegalStateException("the probe agent on " + host.name() + " did not start within " + START_BOUND.toSeconds()
                    + " s: " + String.join(" | ", log), ex);
            }
            hosts.add(new ProbeHost(host.name(), host.address(), announced[0], Integer.parseInt(announced[1]),
                (command, bound) -> ask(child, answers, log, command, bound)));
        }
    }

    /** @return every host with its agent, in the plan's order. */
    List<ProbeHost> hosts()
    {
        return hosts;
    }

    private static void keep(final String line, final BlockingQueue<String> answers, final Deque<String> log)
    {
        if (line.startsWith(ProbeAgent.REPLY))
        {
            answers.add(line.substring(ProbeAgent.REPLY.length()));
            return;
        }
        log.addLast(line);
        while (log.size() > KEPT_LINES)
        {
            log.pollFirst();
        }
    }

    private static String ask(final ChildJvm child, final BlockingQueue<String> answers, final Deque<String> log, final String command,
        final Duration bound)
    {
        try
        {
            child.tell(command);
            final String answer = answers.poll(bound.toNanos(), TimeUnit.NANOSECONDS);
            if (answer == null)
            {
                throw new IllegalStateException(child.name() + ": no answer to '" + command.split(" ")[0] + "' within " + bound.toMillis()
                    + " ms" + (log.isEmpty() ? "" : ": " + String.join(" | ", log)));
            }
            return answer;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(child.name() + " is gone: " + String.join(" | ", log), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    /** Asks every agent to quit, then stops any that did not. */
    @Override
    public void close() throws InterruptedException
    {
        for (final ChildJvm child : children)
        {
            try
            {
                child.tell("quit");
            }
            catch (final IOException ex)
            {
                // already gone: close() below reaps it
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (final ChildJvm child : children)
        {
            child.awaitExit(deadline - System.nanoTime());
            child.close();
        }
    }
}
