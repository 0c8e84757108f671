package io.fusewire.transport.support;

import io.fusewire.transport.Completion;
import io.fusewire.transport.CompletionHandler;
import io.fusewire.transport.CompletionQueue;
import java.util.Arrays;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

/**
 * The completion queue of the socket-based providers: polling it makes progress on every
 * connection bound to it, in turn, starting one further along each poll so that a busy connection
 * cannot starve the others. Connections join from any thread (listeners accept on their own
 * threads) and are picked up at the next poll; everything else happens on the polling thread.
 */
public final class PollingCompletionQueue implements CompletionQueue
{
    private final ManyToOneConcurrentLinkedQueue<Progressable> joining = new ManyToOneConcurrentLinkedQueue<>();
    private final Completion completion = new Completion();
    private Progressable[] members = new Progressable[8];
    private int memberCount;
    private int start;
    private volatile boolean closed;

    /**
     * Binds a connection to this queue. Thread-safe.
     *
     * @param member the connection.
     */
    public void join(final Progressable member)
    {
        if (closed)
        {
            member.close();
            return;
        }
        joining.offer(member);
    }

    @Override
    public int poll(final CompletionHandler handler, final int limit)
    {
        Progressable joiner;
        while ((joiner = joining.poll()) != null)
        {
            add(joiner);
        }
        final int count = memberCount;
        if (count == 0)
        {
            return 0;
        }
        final long nowNs = System.nanoTime();
        int done = 0;
        int moved = 0;
        int first = start < count ? start : 0;
        for (int i = 0; i < count && done < limit; i++)
        {
            final Progressable member = members[(first + i) % count];
            done += member.progress(nowNs, completion, handler, limit - done);
            moved += member.movedBytes() ? 1 : 0;
        }
        start = first + 1;
        removeDone();
        return done + moved;
    }

    @Override
    public void close()
    {
        closed = true;
        Progressable joiner;
        while ((joiner = joining.poll()) != null)
        {
            add(joiner);
        }
        for (int i = 0; i < memberCount; i++)
        {
            members[i].close();
            members[i] = null;
        }
        memberCount = 0;
    }

    private void add(final Progressable member)
    {
        if (memberCount == members.length)
        {
            members = Arrays.copyOf(members, memberCount * 2);
        }
        members[memberCount++] = member;
    }

    private void removeDone()
    {
        for (int i = memberCount - 1; i >= 0; i--)
        {
            if (members[i].isDone())
            {
                members[i].close(); // its DISCONNECTED was handed over: what it kept readable for the handler goes now
                members[i] = members[--memberCount];
                members[memberCount] = null;
            }
        }
    }
}
