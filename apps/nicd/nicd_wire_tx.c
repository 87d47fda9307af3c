#include "nicd_wire_tx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/port_mbuf.h"

#define ETH_HLEN 14u

int nicd_wire_tx_init(struct nicd_wire_tx *t, struct port *wire, bool tcp_csum_offload)
{
	memset(t, 0, sizeof(*t));
	t->port = wire;
	t->tcp_csum_offload = tcp_csum_offload;
	t->scratch = malloc(NICD_TX_SCRATCH_MAX);
	return t->scratch ? 0 : -ENOMEM;
}

void nicd_wire_tx_fini(struct nicd_wire_tx *t)
{
	for (uint16_t i = 0; i < t->n; i++)
		rte_pktmbuf_free(t->batch[i]);
	t->n = 0;
	rte_pktmbuf_free(t->pending); /* NULL is allowed */
	t->pending = NULL;
	free(t->scratch);
	t->scratch = NULL;
}

uint16_t nicd_wire_tx_flush(struct nicd_wire_tx *t)
{
	if (t->n == 0)
		return 0;
	uint16_t sent = port_tx_burst(t->port, t->batch, t->n);
	if (sent < t->n) {
		t->c.refused += (uint64_t)(t->n - sent);
		t->c.stall_rounds++;
		memmove(t->batch, t->batch + sent, (size_t)(t->n - sent) * sizeof(t->batch[0]));
	}
	t->c.frames += sent;
	t->n = (uint16_t)(t->n - sent);
	return t->n;
}

uint8_t *nicd_wire_tx_alloc(void *ctx, size_t cap)
{
	struct nicd_wire_tx *t = ctx;

	if (t->pending) { /* never sent: the engine gave it up */
		rte_pktmbuf_free(t->pending);
		t->pending = NULL;
		t->c.bad_send++;
	}
	if (t->n == NICD_TX_BATCH && nicd_wire_tx_flush(t) == NICD_TX_BATCH) {
		t->c.batch_full++;
		return NULL;
	}
	struct rte_mbuf *m = rte_pktmbuf_alloc(port_mempool(t->port));
	if (!m) {
		t->c.pool_empty++;
		return NULL;
	}
	if (cap > rte_pktmbuf_tailroom(m)) {
		/* Larger than any frame the port can take: the engine's MSS is wrong. Build it
		 * somewhere harmless and drop it (counted) rather than stall the flow forever. */
		rte_pktmbuf_free(m);
		if (cap > NICD_TX_SCRATCH_MAX || !t->scratch) {
			t->c.oversize++;
			return NULL;
		}
		t->pending_scratch = true;
		return t->scratch;
	}
	t->pending = m;
	return rte_pktmbuf_mtod(m, uint8_t *);
}

void nicd_wire_tx_send(void *ctx, uint8_t *buf, size_t len)
{
	struct nicd_wire_tx *t = ctx;
	struct rte_mbuf *m = t->pending;

	if (t->pending_scratch && buf == t->scratch) {
		t->pending_scratch = false;
		t->c.oversize++;
		return;
	}
	if (!m || buf != rte_pktmbuf_mtod(m, uint8_t *) || len < ETH_HLEN + 20 ||
	    len > rte_pktmbuf_tailroom(m)) {
		t->c.bad_send++;
		if (m)
			rte_pktmbuf_free(m);
		t->pending = NULL;
		return;
	}
	t->pending = NULL;
	rte_pktmbuf_append(m, (uint16_t)len);
	if (t->tcp_csum_offload) {
		/* The engine wrote the IPv4 checksum and the TCP pseudo-header sum. */
		m->l2_len = ETH_HLEN;
		m->l3_len = (uint64_t)(buf[ETH_HLEN] & 0x0f) * 4;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	}
	t->c.bytes += len;
	t->batch[t->n++] = m;
	if (t->n == NICD_TX_BATCH)
		nicd_wire_tx_flush(t);
}
