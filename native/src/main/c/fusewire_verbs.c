/*
 * libfusewire-verbs: what the verbs provider cannot call through the JDK's foreign function API.
 *
 * rdma-core defines the data-path verbs (ibv_post_send, ibv_post_recv, ibv_poll_cq) and
 * ibv_query_port as static inline functions that jump through the provider's ops table, so there
 * is no symbol for Java to bind. This library exports them as plain functions, plus the queue
 * pair set-up whose attribute structs are large unions, and the struct offsets the Java side
 * builds work requests and reads completions with (so the layouts come from the compiler, not
 * from hand-copied numbers). Everything else (device list, protection domains, memory
 * registration, completion queues) Java calls in libibverbs directly.
 *
 * Return codes: 0 or a positive errno (fw_create_rc_qp: the queue pair, or NULL with errno set); no
 * function here blocks or keeps state of its own.
 */
#include <infiniband/verbs.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FW_ABI_VERSION 1

/* Keep in step with VerbsLayout.java. */
enum fw_layout_item {
    FW_SEND_WR_SIZE, FW_SEND_WR_ID, FW_SEND_WR_SG_LIST, FW_SEND_WR_NUM_SGE, FW_SEND_WR_OPCODE,
    FW_SEND_WR_FLAGS, FW_SEND_WR_IMM, FW_SEND_WR_REMOTE_ADDR, FW_SEND_WR_RKEY,
    FW_RECV_WR_SIZE, FW_RECV_WR_ID, FW_RECV_WR_SG_LIST, FW_RECV_WR_NUM_SGE,
    FW_SGE_SIZE, FW_SGE_ADDR, FW_SGE_LENGTH, FW_SGE_LKEY,
    FW_WC_SIZE, FW_WC_ID, FW_WC_STATUS, FW_WC_OPCODE, FW_WC_BYTE_LEN, FW_WC_IMM,
    FW_MR_LKEY, FW_MR_RKEY, FW_QP_NUM,
    FW_WR_RDMA_WRITE_WITH_IMM, FW_WR_SEND_WITH_IMM, FW_SEND_SIGNALED, FW_WC_RECV_RDMA_WITH_IMM,
    FW_WC_WR_FLUSH_ERR, FW_WC_REM_ACCESS_ERR, FW_WC_RETRY_EXC_ERR, FW_WC_RNR_RETRY_EXC_ERR,
    FW_RECV_WR_NEXT
};

int fw_abi_version(void)
{
    return FW_ABI_VERSION;
}

int64_t fw_layout(int item)
{
    switch (item) {
    case FW_SEND_WR_SIZE: return sizeof(struct ibv_send_wr);
    case FW_SEND_WR_ID: return offsetof(struct ibv_send_wr, wr_id);
    case FW_SEND_WR_SG_LIST: return offsetof(struct ibv_send_wr, sg_list);
    case FW_SEND_WR_NUM_SGE: return offsetof(struct ibv_send_wr, num_sge);
    case FW_SEND_WR_OPCODE: return offsetof(struct ibv_send_wr, opcode);
    case FW_SEND_WR_FLAGS: return offsetof(struct ibv_send_wr, send_flags);
    case FW_SEND_WR_IMM: return offsetof(struct ibv_send_wr, imm_data);
    case FW_SEND_WR_REMOTE_ADDR: return offsetof(struct ibv_send_wr, wr.rdma.remote_addr);
    case FW_SEND_WR_RKEY: return offsetof(struct ibv_send_wr, wr.rdma.rkey);
    case FW_RECV_WR_SIZE: return sizeof(struct ibv_recv_wr);
    case FW_RECV_WR_ID: return offsetof(struct ibv_recv_wr, wr_id);
    case FW_RECV_WR_SG_LIST: return offsetof(struct ibv_recv_wr, sg_list);
    case FW_RECV_WR_NUM_SGE: return offsetof(struct ibv_recv_wr, num_sge);
    case FW_SGE_SIZE: return sizeof(struct ibv_sge);
    case FW_SGE_ADDR: return offsetof(struct ibv_sge, addr);
    case FW_SGE_LENGTH: return offsetof(struct ibv_sge, length);
    case FW_SGE_LKEY: return offsetof(struct ibv_sge, lkey);
    case FW_WC_SIZE: return sizeof(struct ibv_wc);
    case FW_WC_ID: return offsetof(struct ibv_wc, wr_id);
    case FW_WC_STATUS: return offsetof(struct ibv_wc, status);
    case FW_WC_OPCODE: return offsetof(struct ibv_wc, opcode);
    case FW_WC_BYTE_LEN: return offsetof(struct ibv_wc, byte_len);
    case FW_WC_IMM: return offsetof(struct ibv_wc, imm_data);
    case FW_MR_LKEY: return offsetof(struct ibv_mr, lkey);
    case FW_MR_RKEY: return offsetof(struct ibv_mr, rkey);
    case FW_QP_NUM: return offsetof(struct ibv_qp, qp_num);
    case FW_WR_RDMA_WRITE_WITH_IMM: return IBV_WR_RDMA_WRITE_WITH_IMM;
    case FW_WR_SEND_WITH_IMM: return IBV_WR_SEND_WITH_IMM;
    case FW_SEND_SIGNALED: return IBV_SEND_SIGNALED;
    case FW_WC_RECV_RDMA_WITH_IMM: return IBV_WC_RECV_RDMA_WITH_IMM;
    case FW_WC_WR_FLUSH_ERR: return IBV_WC_WR_FLUSH_ERR;
    case FW_WC_REM_ACCESS_ERR: return IBV_WC_REM_ACCESS_ERR;
    case FW_WC_RETRY_EXC_ERR: return IBV_WC_RETRY_EXC_ERR;
    case FW_WC_RNR_RETRY_EXC_ERR: return IBV_WC_RNR_RETRY_EXC_ERR;
    case FW_RECV_WR_NEXT: return offsetof(struct ibv_recv_wr, next);
    default: return -1;
    }
}

int fw_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr)
{
    struct ibv_send_wr *bad;
    return ibv_post_send(qp, wr, &bad);
}

int fw_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr)
{
    struct ibv_recv_wr *bad;
    return ibv_post_recv(qp, wr, &bad);
}

/* Returns completions polled (0..max), or a negative value if the queue is broken. */
int fw_poll_cq(struct ibv_cq *cq, int max, struct ibv_wc *wc)
{
    return ibv_poll_cq(cq, max, wc);
}

/*
 * Port facts, into out[0..4]: state (IBV_PORT_ACTIVE is 4), active MTU (enum ibv_mtu), LID,
 * link layer (1 InfiniBand, 2 Ethernet), GID table length.
 */
int fw_port_info(struct ibv_context *context, int port, uint32_t *out)
{
    struct ibv_port_attr attr;
    memset(&attr, 0, sizeof attr);
    int rc = ibv_query_port(context, (uint8_t)port, &attr);
    if (rc != 0) {
        return rc;
    }
    out[0] = attr.state;
    out[1] = attr.active_mtu;
    out[2] = attr.lid;
    out[3] = attr.link_layer;
    out[4] = (uint32_t)attr.gid_tbl_len;
    return 0;
}

/*
 * Picks the GID a queue pair addresses its peer with: on Ethernet (RoCE) the first IPv4-mapped
 * entry (::ffff:a.b.c.d, a RoCE v2 GID routable over IP), else the first non-zero entry; on
 * InfiniBand entry 0. Writes the 16 bytes and returns the index, or -1 if the table is empty.
 */
int fw_pick_gid(struct ibv_context *context, int port, int table_length, int ethernet, uint8_t *gid_out)
{
    static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    int fallback = -1;
    union ibv_gid gid, first;
    for (int i = 0; i < table_length; i++) {
        if (ibv_query_gid(context, (uint8_t)port, i, &gid) != 0) {
            continue;
        }
        if (gid.global.subnet_prefix == 0 && gid.global.interface_id == 0) {
            continue;
        }
        if (!ethernet || memcmp(gid.raw, v4_mapped, sizeof v4_mapped) == 0) {
            memcpy(gid_out, gid.raw, 16);
            return i;
        }
        if (fallback < 0) {
            fallback = i;
            first = gid;
        }
    }
    if (fallback >= 0) {
        memcpy(gid_out, first.raw, 16);
    }
    return fallback;
}

/* The index of an exact GID in the port's table, or -1: the GID of a given IP address. */
int fw_find_gid(struct ibv_context *context, int port, int table_length, const uint8_t *wanted)
{
    union ibv_gid gid;
    for (int i = 0; i < table_length; i++) {
        if (ibv_query_gid(context, (uint8_t)port, i, &gid) == 0 && memcmp(gid.raw, wanted, 16) == 0) {
            return i;
        }
    }
    return -1;
}

/* A reliable-connected queue pair with one scatter entry per request; NULL with errno set on failure. */
struct ibv_qp *fw_create_rc_qp(struct ibv_pd *pd, struct ibv_cq *cq, int max_send, int max_recv)
{
    struct ibv_qp_init_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.send_cq = cq;
    attr.recv_cq = cq;
    attr.qp_type = IBV_QPT_RC;
    attr.sq_sig_all = 0;
    attr.cap.max_send_wr = (uint32_t)max_send;
    attr.cap.max_recv_wr = (uint32_t)max_recv;
    attr.cap.max_send_sge = 1;
    attr.cap.max_recv_sge = 1;
    return ibv_create_qp(pd, &attr);
}

/* RESET to INIT: the peer may write into registered memory and send; receives may be posted. */
int fw_qp_init(struct ibv_qp *qp, int port)
{
    struct ibv_qp_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.qp_state = IBV_QPS_INIT;
    attr.pkey_index = 0;
    attr.port_num = (uint8_t)port;
    attr.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;
    return ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
}

/*
 * INIT to RTR to RTS, towards the peer's queue pair. mtu is an enum ibv_mtu; timeout is the
 * local ACK timeout exponent (4.096 us * 2^timeout). An RNR retry count of 7 makes RNR retries
 * unbounded (a receiver that is only slow); the transport retry count is 6, not 7, so that a packet
 * never acknowledged ends in IBV_WC_RETRY_EXC_ERR (a peer that is gone) on every provider: rxe, the
 * soft-RoCE driver, treats a retry_cnt of 7 as unbounded too, and retransmits silently forever.
 */
int fw_qp_connect(struct ibv_qp *qp, int port, int gid_index, int mtu, uint32_t remote_qpn, uint32_t remote_psn,
                  int remote_lid, const uint8_t *remote_gid, uint32_t local_psn, int timeout)
{
    struct ibv_qp_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.qp_state = IBV_QPS_RTR;
    attr.path_mtu = (enum ibv_mtu)mtu;
    attr.dest_qp_num = remote_qpn;
    attr.rq_psn = remote_psn;
    attr.max_dest_rd_atomic = 1;
    attr.min_rnr_timer = 12;
    attr.ah_attr.dlid = (uint16_t)remote_lid;
    attr.ah_attr.port_num = (uint8_t)port;
    if (gid_index >= 0) {
        attr.ah_attr.is_global = 1;
        memcpy(attr.ah_attr.grh.dgid.raw, remote_gid, 16);
        attr.ah_attr.grh.sgid_index = (uint8_t)gid_index;
        attr.ah_attr.grh.hop_limit = 64;
    }
    int rc = ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN
                           | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
    if (rc != 0) {
        return rc;
    }
    memset(&attr, 0, sizeof attr);
    attr.qp_state = IBV_QPS_RTS;
    attr.timeout = (uint8_t)timeout;
    attr.retry_cnt = 6;
    attr.rnr_retry = 7;
    attr.sq_psn = local_psn;
    attr.max_rd_atomic = 1;
    return ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY
                         | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}
