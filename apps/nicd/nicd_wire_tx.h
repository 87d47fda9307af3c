/* The offload engine's path to the wire port: frames are built straight into mbufs of the wire
 * port's pool (wire_alloc), queued in a batch (wire_send) and handed to the port 32 at a time
 * and at the end of every poll round (flush). Frames the port refuses stay queued and go out on a
 * later flush: none is dropped for a full tx ring. When the port offers TCP checksum offload the
 * mbufs carry RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM and the engine leaves the
 * pseudo-header sum in the TCP checksum field. */
#ifndef IOTCP_NICD_WIRE_TX_H
#define IOTCP_NICD_WIRE_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "port/port.h"

#define NICD_TX_BATCH	    32
#define NICD_TX_SCRATCH_MAX (94 + 65535) /* largest frame an engine may ask for */

struct nicd_wire_tx_counters {
	uint64_t frames; /* handed to the port */
	uint64_t bytes;
	uint64_t refused;      /* frames the port did not take at a flush (queued again) */
	uint64_t stall_rounds; /* flushes that left frames queued */
	uint64_t pool_empty;   /* wire_alloc found no free mbuf */
	uint64_t batch_full;   /* wire_alloc found the batch full of refused frames */
	uint64_t oversize;     /* frames larger than an mbuf: dropped, counted */
	uint64_t bad_send;     /* wire_send of a buffer that was not the one allocated */
};

struct nicd_wire_tx {
	struct port *port;
	bool tcp_csum_offload;
	uint16_t n; /* frames in batch */
	struct rte_mbuf *batch[NICD_TX_BATCH];
	struct rte_mbuf *pending; /* allocated, not yet sent */
	bool pending_scratch;	  /* the oversize scratch buffer is handed out */
	uint8_t *scratch;	  /* NICD_TX_SCRATCH_MAX bytes, for oversize requests */
	struct nicd_wire_tx_counters c;
};

/* 0, or -ENOMEM. */
int nicd_wire_tx_init(struct nicd_wire_tx *t, struct port *wire, bool tcp_csum_offload);
/* Free queued frames and the scratch buffer. */
void nicd_wire_tx_fini(struct nicd_wire_tx *t);

/* nic_engine_out callbacks (ctx = struct nicd_wire_tx *). */
uint8_t *nicd_wire_tx_alloc(void *ctx, size_t cap);
void nicd_wire_tx_send(void *ctx, uint8_t *buf, size_t len);

/* Hand the batch to the port; refused frames stay queued, in order. Returns the frames still
 * queued. */
uint16_t nicd_wire_tx_flush(struct nicd_wire_tx *t);

#endif
