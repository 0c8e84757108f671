package io.fusewire.transport.verbs;

/**
 * Offsets and sizes of the rdma-core structs the data path reads and writes, and the enum values
 * it uses, as the C compiler laid them out when the shim was built (the shim's fw_layout; the
 * item numbers follow its enum). Static finals, so the JIT folds them into the accessors.
 */
final class VerbsLayout
{
    static final long SEND_WR_SIZE = Ibv.layout(0);
    static final long SEND_WR_ID = Ibv.layout(1);
    static final long SEND_WR_SG_LIST = Ibv.layout(2);
    static final long SEND_WR_NUM_SGE = Ibv.layout(3);
    static final long SEND_WR_OPCODE = Ibv.layout(4);
    static final long SEND_WR_FLAGS = Ibv.layout(5);
    static final long SEND_WR_IMM = Ibv.layout(6);
    static final long SEND_WR_REMOTE_ADDR = Ibv.layout(7);
    static final long SEND_WR_RKEY = Ibv.layout(8);
    static final long RECV_WR_SIZE = Ibv.layout(9);
    static final long RECV_WR_ID = Ibv.layout(10);
    static final long RECV_WR_SG_LIST = Ibv.layout(11);
    static final long RECV_WR_NUM_SGE = Ibv.layout(12);
    static final long SGE_SIZE = Ibv.layout(13);
    static final long SGE_ADDR = Ibv.layout(14);
    static final long SGE_LENGTH = Ibv.layout(15);
    static final long SGE_LKEY = Ibv.layout(16);
    static final long WC_SIZE = Ibv.layout(17);
    static final long WC_ID = Ibv.layout(18);
    static final long WC_STATUS = Ibv.layout(19);
    static final long WC_OPCODE = Ibv.layout(20);
    static final long WC_BYTE_LEN = Ibv.layout(21);
    static final long WC_IMM = Ibv.layout(22);
    static final long MR_LKEY = Ibv.layout(23);
    static final long MR_RKEY = Ibv.layout(24);
    static final long QP_NUM = Ibv.layout(25);
    static final int WR_RDMA_WRITE_WITH_IMM = (int)Ibv.layout(26);
    static final int WR_SEND_WITH_IMM = (int)Ibv.layout(27);
    static final int SEND_SIGNALED = (int)Ibv.layout(28);
    static final int WC_RECV_RDMA_WITH_IMM = (int)Ibv.layout(29);
    static final int WC_WR_FLUSH_ERR = (int)Ibv.layout(30);
    static final int WC_REM_ACCESS_ERR = (int)Ibv.layout(31);
    static final int WC_RETRY_EXC_ERR = (int)Ibv.layout(32);
    static final int WC_RNR_RETRY_EXC_ERR = (int)Ibv.layout(33);
    static final long RECV_WR_NEXT = Ibv.layout(34);

    private VerbsLayout()
    {
    }
}
