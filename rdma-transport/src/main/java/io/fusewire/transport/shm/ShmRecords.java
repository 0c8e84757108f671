package io.fusewire.transport.shm;

/**
 * The records a shm connection puts in the ring towards its peer (an Agrona
 * {@code OneToOneRingBuffer} in a file the peer created and mapped). The ring's own header
 * carries the type and length; the bodies are:
 *
 * <pre>
 *   WRITE_IMM (after the data was copied into the peer's region)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                          immediate                            |
 *   +---------------------------------------------------------------+
 *   |                     length of the write                       |
 *   +---------------------------------------------------------------+
 *
 *   SEND        the message bytes, as they were sent
 *   HEARTBEAT   empty: sent when nothing else was for a heartbeat interval
 *   CLOSE       empty: the peer closes in order; nothing follows
 * </pre>
 *
 * The ring's commit is an ordered store, so a peer that reads a WRITE_IMM also sees its data.
 */
final class ShmRecords
{
    static final int WRITE_IMM = 1;
    static final int SEND = 2;
    static final int HEARTBEAT = 3;
    static final int CLOSE = 4;

    static final int IMMEDIATE_OFFSET = 0;
    static final int LENGTH_OFFSET = 4;
    static final int WRITE_IMM_LENGTH = 8;

    private ShmRecords()
    {
    }
}
