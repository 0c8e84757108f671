package io.fusewire.perf.demo;

import io.fusewire.perf.cli.ByteSize;
import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionQueue;
import io.fusewire.transport.Connection;
import io.fusewire.transport.MemoryRegion;
import io.fusewire.transport.Opcode;
import io.fusewire.transport.PostResult;
import io.fusewire.transport.RemoteRegion;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One worker of the demo: for each size, writes its pattern into the peer's inbox many times with
 * write-with-immediate while the peer does the same the other way, then checks that its own inbox
 * holds exactly the peer's pattern. Both directions run at once, so the rates are bidirectional.
 * A warm-up pass of 8 writes per size, not printed, lets the JIT compile the data path first.
 */
final class ExchangeWorker
{
    private static final long BYTES_PER_SIZE = 256L << 20;
    private static final int BYE = 0xB7E;

    private final int rank;
    private final Connection connection;
    private final CompletionQueue queue;
    private final MemoryRegion source;
    private final MemoryRegion inbox;
    private final long timeoutNs;
    private final PrintStream out;
    private final int[] arrivals;
    private int completed;
    private boolean byeReceived;
    private String failure;

    ExchangeWorker(
        final int rank,
        final Connection connection,
        final CompletionQueue queue,
        final MemoryRegion source,
        final MemoryRegion inbox,
        final int sizes,
        final long timeoutMs,
        final PrintStream out)
    {
        this.rank = rank;
        this.connection = connection;
        this.queue = queue;
        this.source = source;
        this.inbox = inbox;
        this.arrivals = new int[2 * sizes];
        this.timeoutNs = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        this.out = out;
    }

    static void fillPattern(final MemorySegment segment, final int ofRank)
    {
        final SplittableRandom random = new SplittableRandom(1_000 + ofRank);
        for (long i = 0; i + 8 <= segment.byteSize(); i += 8)
        {
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
    }

    /**
     * @param sizes the sizes to exchange, each at most the inbox length.
     * @return true when every size moved and checked.
     */
    boolean run(final long[] sizes)
    {
        fillPattern(source.segment(), rank);
        final RemoteRegion peerInbox = connection.remoteRegions().getFirst();
        boolean ok = true;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment expected = arena.allocate(inbox.length());
            fillPattern(expected, 1 - rank);
            for (int k = 0; k < sizes.length && ok; k++)
            {
                ok = exchange(sizes.length + k, (int)sizes[k], 8, peerInbox);
            }
            out.printf("%12s %8s %12s %10s %8s%n", "size", "writes", "time (us)", "GB/s", "check");
            for (int k = 0; k < sizes.length && ok; k++)
            {
                final long size = sizes[k];
                final int writes = (int)Math.max(8, Math.min(2_000, BYTES_PER_SIZE / size));
                final long startNs = System.nanoTime();
                ok = exchange(k, (int)size, writes, peerInbox);
                final long elapsedNs = System.nanoTime() - startNs;
                final boolean match = ok && MemorySegment.mismatch(inbox.segment(), 0, size, expected, 0, size) == -1;
                ok &= match;
                out.printf("%12s %8d %12.1f %10.2f %8s%n", ByteSize.format(size), writes, elapsedNs / 1e3,
                    (double)size * writes / elapsedNs, match ? "ok" : "WRONG");
            }
        }
        if (ok)
        {
            ok = sayBye();
        }
        if (failure != null)
        {
            out.println("worker " + rank + " failed: " + failure);
        }
        return ok;
    }

    private boolean exchange(final int k, final int size, final int writes, final RemoteRegion peerInbox)
    {
        completed = 0;
        int posted = 0;
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (failure == null && (completed < writes || arrivals[k] < writes))
        {
            while (posted < writes)
            {
                final int result = connection.write(source, 0, size, peerInbox, 0, (k << 16) | (posted & 0xFFFF), posted);
                if (result == PostResult.BACK_PRESSURED)
                {
                    break;
                }
                if (result != PostResult.OK)
                {
                    failure = "write refused locally: " + PostResult.name(result);
                    return false;
                }
                posted++;
            }
            if (queue.poll(this::onCompletion, 256) == 0 && System.nanoTime() - deadlineNs > 0)
            {
                failure = "size " + ByteSize.format(size) + ": " + completed + " of " + writes + " writes completed and "
                    + arrivals[k] + " of " + writes + " arrived within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms";
            }
        }
        return failure == null;
    }

    private boolean sayBye()
    {
        final UnsafeBuffer bye = new UnsafeBuffer(new byte[4]);
        bye.putInt(0, BYE);
        final long deadlineNs = System.nanoTime() + timeoutNs;
        boolean sent = false;
        while (failure == null && !(sent && byeReceived))
        {
            if (!sent)
            {
                sent = connection.send(bye, 0, 4, -1) == PostResult.OK;
            }
            if (queue.poll(this::onCompletion, 64) == 0 && System.nanoTime() - deadlineNs > 0)
            {
                failure = "the peer did not say goodbye within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms";
            }
        }
        return failure == null;
    }

    private void onCompletion(final Completion completion)
    {
        if (!completion.isSuccess())
        {
            failure = completion.describe();
            return;
        }
        switch (completion.opcode())
        {
            case Opcode.WRITE -> completed++;
            case Opcode.WRITE_IMM -> arrivals[completion.immediate() >>> 16]++;
            case Opcode.RECV -> byeReceived |= completion.message().getInt(0) == BYE;
            case Opcode.DISCONNECTED ->
            {
                if (!byeReceived)
                {
                    failure = "the peer disconnected: " + completion.describe();
                }
            }
            default ->
            {
            }
        }
    }
}
