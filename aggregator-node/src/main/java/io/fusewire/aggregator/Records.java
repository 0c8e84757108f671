package io.fusewire.aggregator;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The records between the two agents of a daemon, each in an Agrona one-to-one ring buffer.
 * Little-endian, after the ring's own header (type, length):
 *
 * <pre>
 *   ingress: transport agent to reduce agent
 *   JOINED   0 int member | 4 int rank | 8 long job id | 16 int reads in place (1: the worker maps this host's memory)
 *   ARRIVED  0 int member | 4 int immediate | 8 int length               (a chunk landed in the inbox)
 *   MESSAGE  0 int member | 4.. the control message
 *   WRITTEN  0 int member | 4 int slot                                    (a result write completed)
 *   FAILED   0 int member | 4 int status | 8.. what failed, UTF-8          (a result write or send failed)
 *   LEFT     0 int member | 4 int status | 8.. why, UTF-8                  (the connection ended)
 *   UPLINK   0 int member (-1: failed) | 4 int owner | 8 long job id | 16.. why it failed, UTF-8  (a tier-2 connection)
 *
 *   egress: reduce agent to transport agent
 *   RESULT   0 int member | 4 int region | 8 long offset | 16 int length (0: read in place) | 20 int immediate
 *            | 24 long remote offset | 32 int slot
 *   SEND     0 int member | 4.. the control message
 *   CLOSE    0 int member (-1: none) | 4 int region to free after it (-1: none)         (a tier-2 connection ends)
 * </pre>
 */
final class Records
{
    static final int JOINED = 1;
    static final int ARRIVED = 2;
    static final int MESSAGE = 3;
    static final int FAILED = 4;
    static final int LEFT = 5;
    static final int WRITTEN = 6;
    static final int UPLINK = 7;

    static final int RESULT = 11;
    static final int SEND = 12;
    static final int CLOSE = 13;

    static final int MEMBER = 0;
    static final int JOINED_RANK = 4;
    static final int JOINED_JOB = 8;
    static final int JOINED_IN_PLACE = 16;
    static final int JOINED_LENGTH = 20;
    static final int ARRIVED_IMMEDIATE = 4;
    static final int ARRIVED_BYTES = 8;
    static final int ARRIVED_LENGTH = 12;
    static final int BODY = 4;
    static final int STATUS = 4;
    static final int WRITTEN_SLOT = 4;
    static final int WRITTEN_LENGTH = 8;
    static final int TEXT = 8;
    static final int RESULT_REGION = 4;
    static final int RESULT_OFFSET = 8;
    static final int RESULT_BYTES = 16;
    static final int RESULT_IMMEDIATE = 20;
    static final int RESULT_REMOTE_OFFSET = 24;
    static final int RESULT_SLOT = 32;
    static final int RESULT_LENGTH = 36;
    static final int UPLINK_OWNER = 4;
    static final int UPLINK_JOB = 8;
    static final int UPLINK_TEXT = 16;
    static final int CLOSE_REGION = 4;
    static final int CLOSE_LENGTH = 8;

    private Records()
    {
    }

    /**
     * Puts a RESULT record (a write with an immediate, to a member's first exposed region) on a ring.
     *
     * @return false if the ring is full: nothing was put.
     */
    static boolean putResult(final RingBuffer ring, final int member, final int region, final long offset, final int bytes,
        final int immediate, final long remoteOffset, final int slot)
    {
        final int index = ring.tryClaim(RESULT, RESULT_LENGTH);
        if (index < 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putInt(index + MEMBER, member);
        buffer.putInt(index + RESULT_REGION, region);
        buffer.putLong(index + RESULT_OFFSET, offset);
        buffer.putInt(index + RESULT_BYTES, bytes);
        buffer.putInt(index + RESULT_IMMEDIATE, immediate);
        buffer.putLong(index + RESULT_REMOTE_OFFSET, remoteOffset);
        buffer.putInt(index + RESULT_SLOT, slot);
        ring.commit(index);
        return true;
    }
}
