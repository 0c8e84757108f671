package io.fusewire.perf.testbed;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * A bounded TCP flow between two testbed hosts, run inside their namespaces:
 * {@code receive PORT BYTES} prints the Mbit/s it received at; {@code send ADDRESS PORT BYTES} sends.
 */
public final class ShapingProbe
{
    private ShapingProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final byte[] buffer = new byte[64 * 1024];
        if ("receive".equals(args[0]))
        {
            final long bytes = Long.parseLong(args[2]);
            try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1])))
            {
                server.setSoTimeout(30_000);
                System.out.println("listening");
                try (Socket socket = server.accept(); InputStream in = socket.getInputStream())
                {
                    socket.setSoTimeout(30_000);
                    long received = 0;
                    long startNs = 0;
                    while (received < bytes)
                    {
                        final int n = in.read(buffer);
                        if (n < 0)
                        {
                            break;
                        }
                        startNs = received == 0 ? System.nanoTime() : startNs;
                        received += n;
                    }
                    final double seconds = (System.nanoTime() - startNs) / 1e9;
                    System.out.printf("mbit %.1f%n", received * 8 / seconds / 1e6);
                }
            }
            return;
        }
        final long bytes = Long.parseLong(args[3]);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true)
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 1_000);
                try (OutputStream out = socket.getOutputStream())
                {
                    for (long sent = 0; sent < bytes; sent += buffer.length)
                    {
                        out.write(buffer, 0, (int)Math.min(buffer.length, bytes - sent));
                    }
                }
                return;
            }
            catch (final java.net.ConnectException ex)
            {
                if (System.nanoTime() > deadlineNs)
                {
                    throw ex;
                }
                Thread.sleep(50);
            }
        }
    }
}
