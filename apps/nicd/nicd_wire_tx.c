/* SPDX-License-Identifier: BSD-2-Clause */
/* The engine's batched path to the wire port (see nicd_wire_tx.h). */
#include "nicd_wire_tx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "port/cycles.h"
#include "port/port_mbuf.h"

#define ETH_HLEN 14u

#define TSO_HEADROOM 0u /* frames are built at the start of the buffer */

int nicd_wire_tx_init(struct nicd_wire_tx *t, struct port *wire, const struct nicd_tx_mode *mode)
{
	memset(t, 0, sizeof(*t));
	t->port = wire;
	t->tcp_csum_offload = mode->tcp_csum;
	t->port_tso = mode->tso == NICD_TSO_PORT;
	t->scratch = malloc(NICD_TX_SCRATCH_MAX);
	if (!t->scratch)
		return -ENOMEM;
	if (mode->tso != NICD_TSO_OFF && mode->tcp_csum) {
		char name[RTE_MEMPOOL_NAMESIZE];
		snprintf(name, sizeof(name), "iotcp_tso%p", (void *)t);
		t->tso_pool = rte_pktmbuf_pool_create(name, NICD_TSO_POOL, 32, 0,
						      (uint16_t)PORT_TSO_FRAME_MAX, SOCKET_ID_ANY);
		if (!t->tso_pool)
			return -ENOMEM;
	}
	return 0;
}

uint32_t nicd_wire_tx_tso_max_payload(const struct nicd_wire_tx *t)
{
	/* Room for the largest header template (14 + 40 + 60 bytes: IPv6). */
	return t->tso_pool ? PORT_TSO_FRAME_MAX - TSO_HEADROOM - 114u : 0;
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
	rte_mempool_free(t->tso_pool);
	t->tso_pool = NULL;
	rte_mempool_free(t->ext_pool);
	t->ext_pool = NULL;
}

uint16_t nicd_wire_tx_flush(struct nicd_wire_tx *t)
{
	if (t->n == 0)
		return 0;
	uint64_t t0 = cycles_now();
	uint16_t sent = port_tx_burst(t->port, t->batch, t->n);
	t->c.tx_cycles += cycles_now() - t0;
	if (sent < t->n) {
		t->c.refused_frames += (uint64_t)(t->n - sent);
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
	struct rte_mempool *pool = port_mempool(t->port);
	if (t->tso_pool && cap > RTE_MBUF_DEFAULT_DATAROOM)
		pool = t->tso_pool;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (!m) {
		t->c.pool_empty++;
		return NULL;
	}
	if (cap > rte_pktmbuf_tailroom(m)) {
		/* Larger than any frame the port can take: the engine's MSS is wrong. Build it
		 * somewhere harmless and drop it (counted) rather than stall the flow forever. */
		rte_pktmbuf_free(m);
		if (cap > NICD_TX_SCRATCH_MAX || !t->scratch) {
			t->c.oversize_frames++;
			return NULL;
		}
		t->pending_scratch = true;
		return t->scratch;
	}
	t->pending = m;
	return rte_pktmbuf_mtod(m, uint8_t *);
}

/* m's layer 3 from the frame's EtherType: l2_len, l3_len and the IPv4 or IPv6 offload flag. */
static void set_l3(struct rte_mbuf *m, const uint8_t *frame)
{
	m->l2_len = ETH_HLEN;
	if (frame[12] == 0x86 && frame[13] == 0xdd) {
		m->l3_len = 40;
		m->ol_flags |= RTE_MBUF_F_TX_IPV6;
	} else {
		m->l3_len = (uint64_t)(frame[ETH_HLEN] & 0x0f) * 4;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	}
}

/* The allocated mbuf holding buf, now len bytes long, or NULL (counted, freed) when buf is not
 * what wire_alloc handed out or len does not fit. */
static struct rte_mbuf *take_pending(struct nicd_wire_tx *t, uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = t->pending;

	if (t->pending_scratch && buf == t->scratch) {
		t->pending_scratch = false;
		t->c.oversize_frames++;
		return NULL;
	}
	if (!m || buf != rte_pktmbuf_mtod(m, uint8_t *) || len < ETH_HLEN + 20 ||
	    len > rte_pktmbuf_tailroom(m)) {
		t->c.bad_send++;
		if (m)
			rte_pktmbuf_free(m);
		t->pending = NULL;
		return NULL;
	}
	t->pending = NULL;
	rte_pktmbuf_append(m, (uint16_t)len);
	if (t->tcp_csum_offload) {
		/* The engine wrote the IPv4 checksum and the TCP pseudo-header sum. */
		set_l3(m, buf);
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
	}
	return m;
}

static void queue(struct nicd_wire_tx *t, struct rte_mbuf *m)
{
	t->c.bytes += rte_pktmbuf_pkt_len(m);
	t->batch[t->n++] = m;
	if (t->n == NICD_TX_BATCH)
		nicd_wire_tx_flush(t);
}

void nicd_wire_tx_send(void *ctx, uint8_t *buf, size_t len)
{
	struct nicd_wire_tx *t = ctx;
	struct rte_mbuf *m = take_pending(t, buf, len);

	if (m)
		queue(t, m);
}

/* The engine wrote the IPv4 header checksum and a pseudo-header sum over the whole frame's
 * length (what the kernel's GSO takes). A DPDK port segmenting the frame recomputes both per
 * segment and wants, per RTE_MBUF_F_TX_TCP_SEG: IPv4 checksum 0 with RTE_MBUF_F_TX_IP_CKSUM,
 * and the pseudo-header sum without the length (rte_ipv4_phdr_cksum with the TSO flag). */
static void dpdk_tso_fixup(struct rte_mbuf *m, uint8_t *frame)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + m->l2_len);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(frame + m->l2_len + m->l3_len);

	if (m->ol_flags & RTE_MBUF_F_TX_IPV6) { /* no header checksum */
		tcp->cksum = rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)ip, m->ol_flags);
		return;
	}

	ip->hdr_checksum = 0;
	m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	tcp->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
}

void nicd_wire_tx_send_tso(void *ctx, uint8_t *buf, size_t len, uint16_t hdr_len, uint16_t mss)
{
	struct nicd_wire_tx *t = ctx;
	struct rte_mbuf *m = take_pending(t, buf, len);

	if (!m)
		return;
	uint16_t l4off = (uint16_t)(m->l2_len + m->l3_len);
	if (!t->tcp_csum_offload || mss == 0 || hdr_len <= l4off || len <= hdr_len) {
		t->c.bad_send++;
		rte_pktmbuf_free(m);
		return;
	}
	m->l4_len = (uint64_t)(hdr_len - l4off);
	m->tso_segsz = mss;
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
	if (t->port_tso)
		dpdk_tso_fixup(m, buf);
	t->c.tso_frames++;
	queue(t, m);
}

int nicd_wire_tx_mark_host_tso(struct rte_mbuf *m, uint32_t mtu)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), first = rte_pktmbuf_data_len(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (len <= ETH_HLEN + mtu)
		return 0;
	/* the headers sit in the first segment (the memif's buffers are 2 KiB) */
	if (first < ETH_HLEN + 40)
		return -1;
	const uint8_t *ip = p + ETH_HLEN;
	uint32_t l3;
	bool v6 = p[12] == 0x86 && p[13] == 0xdd;
	if (v6) { /* IPv6, TCP right after the fixed header; the payload length covers it all */
		l3 = 40;
		if ((ip[0] >> 4) != 6 || ip[6] != 6 || first < ETH_HLEN + l3 + 20 ||
		    (uint32_t)(ip[4] << 8 | ip[5]) != len - ETH_HLEN - l3)
			return -1;
	} else {
		l3 = (ip[0] & 0x0fu) * 4u;
		if (p[12] != 0x08 || p[13] != 0x00 || (ip[0] >> 4) != 4 || l3 < 20 || ip[9] != 6 ||
		    first < ETH_HLEN + l3 + 20 || (uint32_t)(ip[2] << 8 | ip[3]) != len - ETH_HLEN)
			return -1;
	}
	uint32_t l4 = (uint32_t)(ip[l3 + 12] >> 4) * 4u;
	if (l4 < 20 || first < ETH_HLEN + l3 + l4 || mtu <= l3 + l4)
		return -1;
	m->l2_len = ETH_HLEN;
	m->l3_len = l3;
	m->l4_len = l4;
	m->tso_segsz = (uint16_t)(mtu - l3 - l4);
	m->ol_flags |= (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4) | RTE_MBUF_F_TX_TCP_CKSUM |
		       RTE_MBUF_F_TX_TCP_SEG;
	return 1;
}

/* Store pieces belong to the engine: freeing an mbuf that points at one frees nothing. */
static void ext_nothing_to_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

int nicd_wire_tx_enable_zero_copy(struct nicd_wire_tx *t)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	if (!port_get_caps(t->port)->tx_sync || !t->tcp_csum_offload)
		return -EINVAL;
	snprintf(name, sizeof(name), "iotcp_ext%p", (void *)t);
	t->ext_pool = rte_pktmbuf_pool_create(name, 1023, 64, 0, 0, SOCKET_ID_ANY);
	if (!t->ext_pool)
		return -ENOMEM;
	t->ext_info.free_cb = ext_nothing_to_free;
	t->ext_info.fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(&t->ext_info, 1);
	return 0;
}

/* headers + store pieces as one chain: a header mbuf, then one external-buffer mbuf per piece. */
static struct rte_mbuf *zc_chain(struct nicd_wire_tx *t, const uint8_t *hdr, size_t hlen,
				 const struct iovec *iov, int niov)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(port_mempool(t->port));
	uint8_t *p =
	    head && hlen <= UINT16_MAX ? (uint8_t *)rte_pktmbuf_append(head, (uint16_t)hlen) : NULL;
	if (!p)
		goto fail;
	memcpy(p, hdr, hlen);
	for (int i = 0; i < niov; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (iov[i].iov_len > UINT16_MAX)
			goto fail;
		struct rte_mbuf *m = rte_pktmbuf_alloc(t->ext_pool);
		if (!m)
			goto fail;
		rte_mbuf_ext_refcnt_update(&t->ext_info, 1);
		rte_pktmbuf_attach_extbuf(m, iov[i].iov_base,
					  (rte_iova_t)(uintptr_t)iov[i].iov_base,
					  (uint16_t)iov[i].iov_len, &t->ext_info);
		m->data_len = (uint16_t)iov[i].iov_len;
		m->pkt_len = m->data_len;
		if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			goto fail;
		}
	}
	return head;
fail:
	rte_pktmbuf_free(head); /* NULL is allowed */
	return NULL;
}

bool nicd_wire_tx_send_iov(void *ctx, const uint8_t *hdr, size_t hlen, const struct iovec *iov,
			   int niov, uint32_t plen, uint16_t mss)
{
	struct nicd_wire_tx *t = ctx;

	/* Frames still queued go first (order); the pieces must not outlive this call, so a frame
	 * the port does not take now is not queued: the engine offers it again later. */
	if (nicd_wire_tx_flush(t) != 0) {
		t->c.zc_deferred_frames++;
		return false;
	}
	if (hlen < ETH_HLEN + 20 + 20 || hlen > 114 || plen == 0) {
		t->c.bad_send++;
		return true; /* malformed: dropped, counted, not retried */
	}
	struct rte_mbuf *m = zc_chain(t, hdr, hlen, iov, niov);
	if (!m) {
		t->c.pool_empty++;
		return false;
	}
	if (rte_pktmbuf_pkt_len(m) != hlen + plen) {
		t->c.bad_send++;
		rte_pktmbuf_free(m);
		return true;
	}
	set_l3(m, hdr);
	m->l4_len = (uint64_t)(hlen - m->l2_len - m->l3_len);
	m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
	if (mss) {
		m->tso_segsz = mss;
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
	}
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint64_t t0 = cycles_now();
	uint16_t sent = port_tx_burst(t->port, &m, 1);
	t->c.tx_cycles += cycles_now() - t0;
	if (sent != 1) {
		rte_pktmbuf_free(m);
		t->c.refused_frames++;
		t->c.zc_deferred_frames++;
		return false;
	}
	t->c.frames++;
	t->c.bytes += len;
	t->c.zero_copy_frames++;
	t->c.tso_frames += mss != 0;
	return true;
}
