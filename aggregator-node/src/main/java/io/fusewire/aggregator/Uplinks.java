package io.fusewire.aggregator;

import io.fusewire.fusion.protocol.ChunkImmediate;
import io.fusewire.fusion.protocol.JoinRequest;
import io.fusewire.fusion.protocol.SlotLayout;
import io.fusewire.transport.MemoryRegion;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * A rack aggregator's second tier for one job (two-tier hierarchical aggregation): each chunk its
 * rack's workers sum here (tier 1) goes up to the rack aggregator that owns it (chunk q to owner
 * q mod R, this one included: a reduce-scatter among the R racks), which sums the R racks' partial
 * sums as an ordinary job of R members and writes the total back; only then is it written down to
 * the rack's workers, in the order they sent their chunks. Chunk by chunk: a chunk goes up as soon
 * as its rack sum is ready, while later chunks are still being summed. Touched only by the reduce agent.
 *
 * <pre>
 *   tier-1 slot s complete (q-th)  --capture, release-->  forward queue (q order)
 *   forward q: owner o = q mod R, when o has a free tier-2 slot s2 = stream[o] mod W
 *       write the rack sum -> owner o's inbox (s2, rank = this rack), immediate (s2, generation, type)
 *   owner o's total lands in the uplink window at (o, s2)  (answered)  + the forward's write completed (written)
 *       -> copied into tier-1 slot s's result, q marked done
 *   down: while q = delivered is done, multicast tier-1 slot q mod W to the rack's workers
 * </pre>
 *
 * <p>Every rack runs the same collectives, so the q-th chunk completed here is the q-th everywhere,
 * and each owner sees the same stream from every rack. The tier-2 job is this job's id with
 * {@link #TIER2} set.
 */
final class Uplinks
{
    /** Marks a tier-2 job's id: such a job is summed flat, never sent further up. */
    static final long TIER2 = JoinRequest.TIER2;

    /** Where a completed tier-2 chunk's result goes back down: the reduce agent's multicast to the rack's workers. */
    @FunctionalInterface
    interface Down
    {
        void multicast(Job job, int slot, int region, long offset, int length, int immediate);
    }

    private final Job job;
    private final int rack;
    private final int owners;
    private final SlotLayout up;
    private final MemoryRegion window;
    private final int windowId;
    private final int[] member;
    private int attached;
    private final int window1;

    private final MemorySegment[] resultMemory;
    private final int[] region1;
    private final long[] offset1;
    private final int[] length1;
    private final int[] immediate1;
    private final boolean[] done1;
    private long completed;
    private long forwarded;
    private long delivered;

    private final long[] stream;
    private final int[] inFlight;
    private final int[] tier1Slot;
    private final int[] expected;
    private final boolean[] answered;
    private final boolean[] written;
    private final int[] answerLength;
    private final AggregatorCounters counters;

    /**
     * @param job    the tier-1 job.
     * @param rack   this rack's index, its rank among the owners.
     * @param owners R, the rack aggregators (this one included).
     * @param window   where the owners write the totals: R x W chunks, registered and exposed to them.
     * @param windowId its id in the daemon's region table, freed when the uplinks close.
     * @param counters the daemon's counters: bytes up and down.
     */
    Uplinks(final Job job, final int rack, final int owners, final MemoryRegion window, final int windowId,
        final AggregatorCounters counters)
    {
        this.counters = counters;
        this.windowId = windowId;
        this.job = job;
        this.rack = rack;
        this.owners = owners;
        this.window = window;
        final SlotLayout layout = job.layout();
        window1 = layout.window();
        up = upLayout(layout, owners);
        member = new int[owners];
        Arrays.fill(member, -1);
        resultMemory = new MemorySegment[window1];
        region1 = new int[window1];
        offset1 = new long[window1];
        length1 = new int[window1];
        immediate1 = new int[window1];
        done1 = new boolean[window1];
        stream = new long[owners];
        inFlight = new int[owners];
        tier1Slot = new int[owners * up.window()];
        expected = new int[owners * up.window()];
        answered = new boolean[owners * up.window()];
        written = new boolean[owners * up.window()];
        answerLength = new int[owners * up.window()];
    }

    /** @return the tier-2 layout of a tier-1 job's: R members, R owners, the same chunk and window. */
    static SlotLayout upLayout(final SlotLayout tier1, final int owners)
    {
        return new SlotLayout(owners, owners, tier1.window(), tier1.chunkBytes());
    }

    /** @return the uplink window's id in the region table, freed after the uplinks close. */
    int windowId()
    {
        return windowId;
    }

    /** @return R. */
    int owners()
    {
        return owners;
    }

    /** @return the members, one per owner (-1 where not attached). */
    int member(final int owner)
    {
        return member[owner];
    }

    /** The connection to an owner is up. */
    void attach(final int owner, final int memberId)
    {
        if (member[owner] < 0)
        {
            attached++;
        }
        member[owner] = memberId;
    }

    /**
     * A tier-1 slot's rack sum is complete: it waits to go up. Call before releasing the slot.
     *
     * @return null, or why the job must fail (a rack out of step).
     */
    String onRackSum(final int slot, final MemorySegment memory, final int region, final long offset, final int length,
        final int immediate)
    {
        if (slot != (int)(completed % window1))
        {
            return "tier 1 completed slot " + slot + " out of turn (expected " + completed % window1 + "): the rack's workers are out of"
                + " step";
        }
        resultMemory[slot] = memory;
        region1[slot] = region;
        offset1[slot] = offset;
        length1[slot] = length;
        immediate1[slot] = immediate;
        done1[slot] = false;
        completed++;
        return null;
    }

    /**
     * Forwards waiting rack sums to their owners while each has a free slot and the egress ring room.
     *
     * @return how many went up.
     */
    int forward(final RingBuffer egress)
    {
        int work = 0;
        while (forwarded < completed && attached == owners)
        {
            final int owner = (int)(forwarded % owners);
            if (inFlight[owner] == up.window())
            {
                return work;
            }
            final int slot = (int)(forwarded % window1);
            final int slot2 = (int)(stream[owner] % up.window());
            final int immediate2 = ChunkImmediate.encode(slot2, (int)(stream[owner] / up.window()), ChunkImmediate.dtype(immediate1[slot]),
                immediate1[slot] >>> 28);
            if (!Records.putResult(egress, member[owner], region1[slot], offset1[slot], length1[slot], immediate2,
                up.inboxOffset(slot2, rack), slot2))
            {
                return work;
            }
            final int at = owner * up.window() + slot2;
            tier1Slot[at] = slot;
            expected[at] = immediate2;
            answered[at] = false;
            written[at] = false;
            stream[owner]++;
            inFlight[owner]++;
            forwarded++;
            counters.bytesUp.getAndAddOrdered(length1[slot]);
            if (owner != rack)
            {
                counters.acrossOut.getAndAddOrdered(length1[slot]);
            }
            work++;
        }
        return work;
    }

    /**
     * An owner's total landed in the uplink window.
     *
     * @return null, or why the job must fail.
     */
    String onTotal(final int owner, final int immediate, final int length, final Down down)
    {
        final int at = owner * up.window() + ChunkImmediate.slot(immediate);
        if (ChunkImmediate.slot(immediate) >= up.window() || expected[at] != immediate || answered[at] || inFlight[owner] == 0)
        {
            return "tier-2 owner " + owner + " answered a chunk that was not sent to it (immediate " + Integer.toHexString(immediate) + ")";
        }
        answered[at] = true;
        answerLength[at] = length;
        return settle(owner, at, down);
    }

    /** The write of a rack sum up to an owner completed. */
    String onForwardWritten(final int owner, final int slot2, final Down down)
    {
        final int at = owner * up.window() + slot2;
        if (slot2 < 0 || slot2 >= up.window() || written[at])
        {
            return null;
        }
        written[at] = true;
        return settle(owner, at, down);
    }

    /** Once a chunk is both answered and its forward written, its total becomes the tier-1 result; then everything done goes down in order. */
    private String settle(final int owner, final int at, final Down down)
    {
        if (!answered[at] || !written[at])
        {
            return null;
        }
        final int slot = tier1Slot[at];
        final int length = answerLength[at];
        if (length > length1[slot])
        {
            return "tier-2 owner " + owner + " answered " + length + " bytes for a chunk of " + length1[slot];
        }
        MemorySegment.copy(window.segment(), up.windowOffset(owner, at % up.window()), resultMemory[slot], offset1[slot], length);
        length1[slot] = length;
        answered[at] = false;
        written[at] = false;
        inFlight[owner]--;
        done1[slot] = true;
        counters.bytesDown.getAndAddOrdered(length);
        if (owner != rack)
        {
            counters.acrossIn.getAndAddOrdered(length);
        }
        while (delivered < forwarded && done1[(int)(delivered % window1)])
        {
            final int next = (int)(delivered % window1);
            done1[next] = false;
            resultMemory[next] = null;
            down.multicast(job, next, region1[next], offset1[next], length1[next], immediate1[next]);
            delivered++;
        }
        return null;
    }
}
