/* SPDX-License-Identifier: BSD-2-Clause */
/* Frame forwarding of iotcp-nicd (see nicd_forward.h). */
#include "nicd_forward.h"

#include <string.h>

#include "nicd_clock.h"
#include "nicd_host_io.h"
#include "port/bell.h"
#include "port/port_mbuf.h"

#define HDR_PEEK 22 /* Ethernet header plus two VLAN tags */
#define ACK_PEEK 96 /* ... plus IPv4 and TCP headers: enough to tell a bare ACK */

struct out_list {
	struct rte_mbuf **m;
	uint16_t k;
};

static void out_push(void *arg, void *token)
{
	struct out_list *o = arg;
	o->m[o->k++] = token;
}

/* A wire frame for the host through the ACK coalescer; a is its first alen bytes. */
static void to_host_coalesced(struct nic_ackc *ackc, struct rte_mbuf *m, const uint8_t *a,
			      uint32_t alen, struct out_list *o)
{
	void *before, *sup;
	enum nic_ackc_verdict v = nic_ackc_offer(ackc, a, a ? alen : 0, rte_pktmbuf_pkt_len(m), m,
						 nicd_now_ns(), &before, &sup);
	if (before)
		out_push(o, before);
	if (sup)
		rte_pktmbuf_free(sup);
	if (v == NIC_ACKC_FLUSH_FIRST)
		nic_ackc_flush(ackc, out_push, o);
	if (v != NIC_ACKC_HELD)
		out_push(o, m);
}

/* Hand the k frames of out to dst; count what it took and what it refused (freed). */
static void send_out(struct nicd *d, struct port *dst, struct rte_mbuf **out, uint16_t k,
		     bool from_host, bool urgent)
{
	uint16_t sent = port_tx_burst(dst, out, k);

	for (uint16_t i = sent; i < k; i++)
		rte_pktmbuf_free(out[i]);
	if (from_host) {
		d->c.forwarded_to_wire += sent;
		d->c.dropped_to_wire += (uint64_t)(k - sent);
	} else {
		d->c.forwarded_to_host += sent;
		d->c.dropped_to_host += (uint64_t)(k - sent);
		if (sent && urgent)
			port_bell_ring(d->ports.bell);
	}
}

/* Shard s's frames from one wire burst (--shards > 1). */
struct shard_out {
	struct rte_mbuf *m[NICD_BURST];
	uint16_t k;
	bool urgent;
};

/* True when mac is the MAC of one of the shards' hosts (learnt from their HELLOs). */
static bool shard_mac(const struct nicd *d0, const uint8_t *mac)
{
	for (unsigned s = 0; s < d0->opts.shards; s++)
		if (d0[s].ctl.host_known && memcmp(d0[s].ctl.host_mac, mac, PROTO_MAC_LEN) == 0)
			return true;
	return false;
}

/* A wire frame (its bytes at f) for shard s, through its ACK coalescer. Each shard's memif has
 * a MAC of its own and shard 0 answers ARP and ND for all: a frame addressed to any shard's
 * MAC is readdressed to the MAC of the shard it goes to (others, multicast included, are left
 * as they are: the host drops what is not for it). */
static void to_shard(struct nicd *ds, struct shard_out *so, struct rte_mbuf *m, const uint8_t *f,
		     uint32_t len)
{
	uint8_t *eth = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t alen = len < ACK_PEEK ? len : ACK_PEEK;

	if (ds->ctl.host_known && rte_pktmbuf_data_len(m) >= PROTO_MAC_LEN &&
	    shard_mac(ds->shard0, eth))
		memcpy(eth, ds->ctl.host_mac, PROTO_MAC_LEN);
	if (!so->urgent && ds->ports.bell)
		so->urgent = !nicd_frame_is_pure_ack(f, alen);
	if (ds->off.ackc) {
		struct out_list ol = {.m = so->m, .k = so->k};
		to_host_coalesced(ds->off.ackc, m, f, alen, &ol);
		so->k = ol.k;
		return;
	}
	so->m[so->k++] = m;
}

/* From the wire with host shards: each frame to the shard steer.h picks (TCP by its 4-tuple),
 * ARP replies and Neighbor Advertisements copied to every shard; a shard whose host link is
 * down or whose host fell silent is skipped (steer.live). */
static uint16_t forward_wire_shards(struct nicd *d)
{
	unsigned ns = d->opts.shards;
	struct rte_mbuf *in[NICD_BURST];
	struct shard_out out[NICD_MAX_SHARDS];
	uint8_t peek[HDR_PEEK];
	uint16_t n = port_rx_burst(d->ports.wire, in, NICD_BURST);

	d->steer.live = 0;
	for (unsigned s = 0; s < ns; s++) {
		out[s].k = 0;
		out[s].urgent = false;
		if (d[s].ports.host_link_up && d[s].ctl.host_alive)
			d->steer.live |= (uint8_t)(1u << s);
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		if (len < PROTO_ETH_HLEN) {
			d->c.dropped_runt++;
			rte_pktmbuf_free(m);
			continue;
		}
		uint32_t plen = len < HDR_PEEK ? len : HDR_PEEK;
		const uint8_t *hdr = rte_pktmbuf_read(m, 0, plen, peek);
		bool tagged;
		const uint8_t *f = NULL;
		if (hdr && nicd_frame_ethertype(hdr, plen, &tagged) != (int)PROTO_ETHERTYPE)
			f = len <= sizeof(d->steer_copy)
				? rte_pktmbuf_read(m, 0, len, d->steer_copy)
				: NULL;
		if (!f) {
			d->c.dropped_wire_proto += hdr != NULL;
			d->c.dropped_runt += hdr == NULL;
			rte_pktmbuf_free(m);
			continue;
		}
		unsigned to = nic_steer_frame(&d->steer, f, len);
		if (to != NIC_STEER_ALL) {
			to_shard(&d[to], &out[to], m, f, len);
			continue;
		}
		d->c.steered_to_all++;
		for (unsigned s = 1; s < ns; s++) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (c)
				to_shard(&d[s], &out[s], c, f, len);
			else
				d[s].c.dropped_to_host++;
		}
		to_shard(d, &out[0], m, f, len);
	}
	for (unsigned s = 0; s < ns; s++) {
		if (d[s].off.ackc) {
			struct out_list ol = {.m = out[s].m, .k = out[s].k};
			nic_ackc_flush(d[s].off.ackc, out_push, &ol);
			out[s].k = ol.k;
		}
		if (out[s].k)
			send_out(&d[s], d[s].ports.host, out[s].m, out[s].k, false, out[s].urgent);
	}
	return n;
}

uint16_t nicd_forward(struct nicd *d, bool from_host)
{
	if (!from_host && d->opts.shards > 1)
		return forward_wire_shards(d);

	struct port *src = from_host ? d->ports.host : d->ports.wire;
	struct port *dst = from_host ? d->ports.wire : d->ports.host;
	struct nic_ackc *ackc = d->off.ackc;
	struct rte_mbuf *in[NICD_BURST], *out[NICD_BURST];
	uint8_t peek[HDR_PEEK];
	uint16_t n = port_rx_burst(src, in, NICD_BURST);
	struct out_list ol = {.m = out, .k = 0};
	uint16_t k = 0;
	bool urgent = false; /* to the host: a frame that should wake it (not a bare ACK) */

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		if (len < PROTO_ETH_HLEN) {
			d->c.dropped_runt++;
			rte_pktmbuf_free(m);
			continue;
		}
		uint32_t plen = len < HDR_PEEK ? len : HDR_PEEK;
		const uint8_t *hdr = rte_pktmbuf_read(m, 0, plen, peek);
		bool tagged;
		if (hdr && nicd_frame_ethertype(hdr, plen, &tagged) != (int)PROTO_ETHERTYPE) {
			if (!from_host && ((!urgent && d->ports.bell) || ackc)) {
				uint8_t big[ACK_PEEK];
				uint32_t alen = len < ACK_PEEK ? len : ACK_PEEK;
				const uint8_t *a = rte_pktmbuf_read(m, 0, alen, big);
				if (!urgent && d->ports.bell)
					urgent = !a || !nicd_frame_is_pure_ack(a, alen);
				if (ackc) {
					ol.k = k;
					to_host_coalesced(ackc, m, a, alen, &ol);
					k = ol.k;
					continue;
				}
			}
			if (from_host && d->ports.host_tso_mtu) {
				int r = nicd_wire_tx_mark_host_tso(m, d->ports.host_tso_mtu);
				d->c.forwarded_tso_to_wire += r > 0;
				if (r < 0) {
					d->c.host_tso_malformed++;
					rte_pktmbuf_free(m);
					continue;
				}
			}
			out[k++] = m;
			continue;
		}
		/* Commands (or unreadable headers) never cross to the other side. */
		if (!from_host) {
			d->c.dropped_wire_proto++;
		} else if (hdr && !tagged) {
			uint64_t t = cycles_now(), nested = nicd_nested_cycles(d);
			nicd_host_command(d, m);
			nicd_stage_end(d, &d->shard0->round.cmds, &t, &nested);
		} else
			d->ctl.c.malformed++;
		rte_pktmbuf_free(m);
	}
	if (!from_host && ackc) {
		ol.k = k;
		nic_ackc_flush(ackc, out_push, &ol); /* a merge never delays an ACK */
		k = ol.k;
	}
	if (k)
		send_out(d, dst, out, k, from_host, urgent);
	return n;
}
