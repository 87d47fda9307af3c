/* SPDX-License-Identifier: BSD-2-Clause */
/* The offload engine's path to the wire port: frames are built straight into mbufs of the wire
 * port's pool (wire_alloc), queued in a batch (wire_send) and handed to the port 32 at a time
 * and at the end of every poll round (flush). Frames the port refuses stay queued and go out on a
 * later flush: none is dropped for a full tx ring. When the port offers TCP checksum offload the
 * mbufs carry RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM and the engine leaves the
 * pseudo-header sum in the TCP checksum field (nicd_tx_mode.h says which offloads are used).
 * TSO frames to a DPDK port follow DPDK's contract (rte_mbuf_core.h, RTE_MBUF_F_TX_TCP_SEG):
 * IPv4 checksum 0 and RTE_MBUF_F_TX_IP_CKSUM, a pseudo-header sum without the length. */
#ifndef IOTCP_NICD_WIRE_TX_H
#define IOTCP_NICD_WIRE_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <rte_mbuf.h>

#include "nicd_tx_mode.h"
#include "port/port.h"

#define NICD_TX_BATCH	    32
#define NICD_TX_SCRATCH_MAX (94 + 65535) /* largest frame an engine may ask for */
#define NICD_TSO_POOL	    256		 /* TSO frame buffers (64 KiB each) */

/* X(group, name): the wire tx path's counters, stats key "wire_seg_name" (nicd_stats_lines.c:
 * SEG before the queue length, SEG_MORE after it); tx_cycles is the stats line
 * cycles_wire_tx (nicd_counters.h NICD_STAGES). */
#define NICD_WIRE_TX_COUNTERS(X)                                                                   \
	X(SEG, frames) /* handed to the port */                                                    \
	X(SEG, bytes)                                                                              \
	X(SEG_MORE, refused_frames)	/* the port did not take them at a flush (queued again) */ \
	X(SEG_MORE, stall_rounds)	/* flushes that left frames queued */                      \
	X(SEG_MORE, pool_empty)		/* wire_alloc found no free mbuf */                        \
	X(SEG_MORE, batch_full)		/* wire_alloc found the batch full of refused frames */    \
	X(SEG_MORE, oversize_frames)	/* larger than an mbuf: dropped, counted */                \
	X(SEG_MORE, bad_send)		/* wire_send of a buffer that was not the one allocated */ \
	X(SEG_MORE, tso_frames)		/* TSO frames handed to the port */                        \
	X(SEG_MORE, zero_copy_frames)	/* sent straight from the block store */                   \
	X(SEG_MORE, zc_deferred_frames) /* zero-copy frames the port could not take at once */     \
	X(CYCLES, tx_cycles)		/* spent in the port's tx (port_tx_burst) */

enum nicd_wire_tx_counter_group {
	NICD_WTX_CG_SEG,
	NICD_WTX_CG_SEG_MORE,
	NICD_WTX_CG_CYCLES,
};

#define NICD_WIRE_TX_COUNTER_FIELD(group, name) uint64_t name;
struct nicd_wire_tx_counters {
	NICD_WIRE_TX_COUNTERS(NICD_WIRE_TX_COUNTER_FIELD)
};
#undef NICD_WIRE_TX_COUNTER_FIELD

struct nicd_wire_tx {
	struct port *port;
	bool tcp_csum_offload;
	bool port_tso; /* NICD_TSO_PORT: TSO frames get DPDK's TSO header fix-ups */
	uint16_t n; /* frames in batch */
	struct rte_mbuf *batch[NICD_TX_BATCH];
	struct rte_mbuf *pending;     /* allocated, not yet sent */
	bool pending_scratch;	      /* the oversize scratch buffer is handed out */
	uint8_t *scratch;	      /* NICD_TX_SCRATCH_MAX bytes, for oversize requests */
	struct rte_mempool *tso_pool; /* PORT_TSO_FRAME_MAX-byte mbufs, when the port has TSO */
	struct rte_mempool *ext_pool; /* data-less mbufs for store pieces (zero copy) */
	struct rte_mbuf_ext_shared_info ext_info; /* their shared info: nothing to free */
	struct nicd_wire_tx_counters c;
};

/* 0, or -ENOMEM. With TSO in the mode, frames up to nicd_wire_tx_tso_max_payload() payload
 * bytes come from a pool of large mbufs. */
int nicd_wire_tx_init(struct nicd_wire_tx *t, struct port *wire, const struct nicd_tx_mode *mode);
/* Zero copy (needs a port whose tx is synchronous, caps.tx_sync): frames are written from
 * the engine's store pieces, attached to mbufs as external buffers, and handed to the port at
 * once. 0 or -ENOMEM. */
int nicd_wire_tx_enable_zero_copy(struct nicd_wire_tx *t);
/* nic_wire_send_iov_fn (ctx = struct nicd_wire_tx *). */
bool nicd_wire_tx_send_iov(void *ctx, const uint8_t *hdr, size_t hlen, const struct iovec *iov,
			   int niov, uint32_t plen, uint16_t mss);
/* A frame the host sent for the wire (copy path). One longer than mtu + 14 is a TSO frame
 * (HELLO cap TSO, docs/protocol.md): TCP/IPv4, its TCP checksum field holding the pseudo-header
 * sum; it is marked for the port to cut into segments that fill the MTU. Returns 1 when marked,
 * 0 for an ordinary frame, -1 for a long frame that is not such a TSO frame (drop it). */
int nicd_wire_tx_mark_host_tso(struct rte_mbuf *m, uint32_t mtu);
/* Largest TSO payload an engine may ask for (0 without TSO). */
uint32_t nicd_wire_tx_tso_max_payload(const struct nicd_wire_tx *t);
/* Free queued frames and the scratch buffer. */
void nicd_wire_tx_fini(struct nicd_wire_tx *t);

/* nic_engine_out callbacks (ctx = struct nicd_wire_tx *). */
uint8_t *nicd_wire_tx_alloc(void *ctx, size_t cap);
void nicd_wire_tx_send(void *ctx, uint8_t *buf, size_t len);
void nicd_wire_tx_send_tso(void *ctx, uint8_t *buf, size_t len, uint16_t hdr_len, uint16_t mss);

/* Hand the batch to the port; refused frames stay queued, in order. Returns the frames still
 * queued. */
uint16_t nicd_wire_tx_flush(struct nicd_wire_tx *t);

#endif
