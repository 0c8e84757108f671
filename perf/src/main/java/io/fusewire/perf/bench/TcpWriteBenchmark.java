package io.fusewire.perf.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Streaming one-sided writes over {@code tcp} on loopback, next to its reference: a plain blocking
 * socket writing the same bytes to a thread that reads them. Both use two threads, a sender (the
 * benchmark thread) and a receiver; each operation is one write of {@code size} bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TcpWriteBenchmark
{
    @Param({"4096", "65536", "1048576", "4194304"})
    int size;

    private FabricPair pair;
    private volatile boolean running;
    private Thread receiver;
    private ServerSocketChannel server;
    private SocketChannel plainSender;
    private SocketChannel plainReceiver;
    private Thread plainReader;
    private ByteBuffer plainSource;
    private final IdleStrategy senderIdle = new BackoffIdleStrategy();
    private final Runnable backOff = senderIdle::idle;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        running = true;
        pair = new FabricPair("tcp", 4 << 20);
        receiver = Thread.ofPlatform().daemon().start(() ->
        {
            final IdleStrategy idle = new BackoffIdleStrategy();
            while (running)
            {
                idle.idle(pair.receiverQueue.poll(c -> { }, 256));
            }
        });
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        plainSender = SocketChannel.open(server.getLocalAddress());
        plainSender.socket().setTcpNoDelay(true);
        plainReceiver = server.accept();
        plainSource = ByteBuffer.allocateDirect(4 << 20);
        plainReader = Thread.ofPlatform().daemon().start(() ->
        {
            final ByteBuffer sink = ByteBuffer.allocateDirect(4 << 20);
            try
            {
                while (plainReceiver.read(sink.clear()) >= 0)
                {
                    // discard: the reference measures the socket, not what is done with the bytes
                }
            }
            catch (final IOException ignore)
            {
                // closed at tear-down
            }
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception
    {
        running = false;
        receiver.join(5_000);
        pair.close();
        plainSender.close();
        plainReader.join(5_000);
        plainReceiver.close();
        server.close();
    }

    @Benchmark
    public void tcpWrite()
    {
        pair.write(size, backOff);
        senderIdle.reset();
    }

    @Benchmark
    public void referencePlainSocket() throws IOException
    {
        plainSource.clear().limit(size);
        while (plainSource.hasRemaining())
        {
            plainSender.write(plainSource);
        }
    }
}
