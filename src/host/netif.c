/* SPDX-License-Identifier: BSD-2-Clause */
/* Frames in and out: Ethernet / IPv4 / IPv6 input checks and demultiplexing (ARP, ICMP echo,
 * ICMPv6 echo and Neighbor Discovery, TCP, NIC commands), and the output path (TCP segments ->
 * IPv4 or IPv6 frames -> next-hop MAC -> tx batch). */
#include <errno.h>
#include <string.h>

#include "host/arp.h"
#include "host/ctx.h"
#include "host/icmp_error.h"
#include "host/link.h"
#include "host/ndisc.h"
#include "host/neigh.h"
#include "host/netif.h"
#include "host/nic.h"
#include "host/offload_cmd.h"
#include "host/offload_send.h"
#include "host/route.h"
#include "host/tcp_frame.h"
#include "host/tx_batch.h"
#include "proto/proto.h"

static void drop(struct iotcp_ctx *ctx, uint64_t *reason)
{
	(*reason)++;
	ctx->cnt.rx_dropped++;
}

static void icmp_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	struct host_frame f;
	size_t len;

	if (v->icmp.type != ICMP_TYPE_ECHO_REQUEST) {
		host_icmp_error_input(ctx, v);
		return;
	}
	if (v->icmp.code != 0) {
		drop(ctx, &ctx->cnt.drop_icmp_other);
		return;
	}
	if (!host_tx_get(ctx, &f))
		return;
	/* RFC 792 / RFC 1122 3.2.2.6: same id, sequence and data, back to the sender's MAC. */
	len = pkt_build_icmp_echo_reply(f.data, f.cap, v, &ctx->link->mac, HOST_TTL, ctx->ip_id++);
	if (!len) {
		ctx->cnt.tx_too_big++;
		host_link_tx_free(ctx->link, &f);
		return;
	}
	ctx->cnt.icmp_echo++;
	host_tx_put(ctx, &f, (uint32_t)len);
}

static void ipv4_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	if (v->ip.daddr != ctx->ip) {
		drop(ctx, &ctx->cnt.drop_not_our_ip);
		return;
	}
	if (host_addr_bad_source(ctx, v->ip.saddr)) {
		drop(ctx, &ctx->cnt.drop_bad_src);
		return;
	}
	if (v->ip.ttl == 0) {
		drop(ctx, &ctx->cnt.drop_ttl);
		return;
	}
	if (v->kind == PKT_KIND_ICMP) {
		icmp_input(ctx, v);
		return;
	}
	if (tcp_stack_input(ctx->tcp, v->ip.saddr, v->ip.daddr, &v->tcp, v->payload,
			    (uint32_t)v->payload_len, ctx->now) < 0)
		ctx->cnt.rx_dropped++; /* counted by reason in the TCP stats */
}

static const struct ipv6_addr all_nodes = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

/* The Ethernet groups of the IPv6 groups we listen to: all-nodes and our solicited-node
 * group (RFC 4861 section 7.2.1). */
static bool our_group_mac(const struct iotcp_ctx *ctx, const struct mac_addr *m)
{
	if (!ctx->has_ip6 || m->b[0] != 0x33 || m->b[1] != 0x33)
		return false;
	struct mac_addr a = ipv6_multicast_mac(&all_nodes), s = ipv6_multicast_mac(&ctx->ip6_snm);
	return mac_equal(m, &a) || mac_equal(m, &s);
}

static void icmp6_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	struct host_frame f;
	size_t len;

	switch (v->icmp6.type) {
	case ICMP6_ND_NS:
	case ICMP6_ND_NA:
		host_nd_input(ctx, v);
		return;
	case ICMP6_ECHO_REQUEST:
		break;
	case ICMP6_PACKET_TOO_BIG:
		if (!ipv6_addr_equal(&v->ip6.dst, &ctx->ip6)) { /* errors are unicast to us */
			drop(ctx, &ctx->cnt.drop_icmp6_other);
			return;
		}
		host_icmp6_error_input(ctx, v);
		return;
	default:
		drop(ctx, &ctx->cnt.drop_icmp6_other);
		return;
	}
	if (v->icmp6.code != 0 || host_addr6_bad_source(ctx, &v->ip6.src)) {
		drop(ctx, &ctx->cnt.drop_icmp6_other);
		return;
	}
	if (!host_tx_get(ctx, &f))
		return;
	/* RFC 4443 section 4.2: same identifier, sequence and data, back to the sender's MAC. */
	len = pkt_build_icmp6_echo_reply(f.data, f.cap, v, &ctx->link->mac, &ctx->ip6, HOST_TTL);
	if (!len) {
		ctx->cnt.tx_too_big++;
		host_link_tx_free(ctx->link, &f);
		return;
	}
	ctx->cnt.icmp6_echo++;
	host_tx_put(ctx, &f, (uint32_t)len);
}

static void ipv6_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	const struct ipv6_hdr *ip = &v->ip6;
	bool to_us = ipv6_addr_equal(&ip->dst, &ctx->ip6);
	bool to_group =
	    ipv6_addr_equal(&ip->dst, &ctx->ip6_snm) || ipv6_addr_equal(&ip->dst, &all_nodes);

	if (!ctx->has_ip6) {
		drop(ctx, &ctx->cnt.drop_proto);
		return;
	}
	/* Groups take ICMPv6 only (ND, echo); TCP is unicast to our address. */
	if (!to_us && !(to_group && v->kind == PKT_KIND_ICMP6)) {
		drop(ctx, &ctx->cnt.drop_not_our_ip);
		return;
	}
	if (v->kind == PKT_KIND_ICMP6) {
		/* Only ND may come from :: (a neighbour verifying its address, RFC 4861 7.2.3). */
		if (ipv6_addr_is_multicast(&ip->src) || ipv6_addr_equal(&ip->src, &ctx->ip6)) {
			drop(ctx, &ctx->cnt.drop_bad_src);
			return;
		}
		icmp6_input(ctx, v);
		return;
	}
	if (host_addr6_bad_source(ctx, &ip->src) || mac_is_multicast(&v->eth.dst)) {
		drop(ctx, &ctx->cnt.drop_bad_src);
		return;
	}
	if (tcp_stack_input6(ctx->tcp, &ip->src, &ip->dst, &v->tcp, v->payload,
			     (uint32_t)v->payload_len, ctx->now) < 0)
		ctx->cnt.rx_dropped++; /* counted by reason in the TCP stats */
}

void host_rx_frame(struct iotcp_ctx *ctx, const uint8_t *frame, size_t len)
{
	struct pkt_view v;
	enum pkt_err e;

	ctx->cnt.rx_frames++;
	ctx->cnt.rx_bytes += len;
	e = pkt_decode_eth(frame, len, &v, 0);
	pkt_count(&ctx->pkt, e);
	if (e != PKT_OK) {
		ctx->cnt.rx_dropped++;
		if (e == PKT_E_TCP_TRUNC || e == PKT_E_TCP_DOFF || e == PKT_E_TCP_OPT ||
		    e == PKT_E_TCP_CSUM)
			tcp_stack_count_drop(ctx->tcp, TCP_DROP_MALFORMED);
		return;
	}
	if (!mac_equal(&v.eth.dst, &ctx->link->mac) && !mac_is_broadcast(&v.eth.dst) &&
	    !our_group_mac(ctx, &v.eth.dst)) {
		drop(ctx, &ctx->cnt.drop_not_our_mac);
		return;
	}
	if (v.eth.has_vlan) {
		drop(ctx, &ctx->cnt.drop_vlan);
		return;
	}
	switch (v.kind) {
	case PKT_KIND_ARP:
		host_arp_input(ctx, &v);
		break;
	case PKT_KIND_IOTCP:
		host_nic_input(ctx, &v);
		break;
	case PKT_KIND_TCP:
	case PKT_KIND_ICMP:
		if (mac_is_multicast(&v.eth.dst)) { /* broadcast, or an IPv6 group's MAC */
			drop(ctx, &ctx->cnt.drop_not_our_mac);
			break;
		}
		ipv4_input(ctx, &v);
		break;
	case PKT_KIND_TCP6:
	case PKT_KIND_ICMP6:
		if (mac_is_broadcast(&v.eth.dst)) {
			drop(ctx, &ctx->cnt.drop_not_our_mac);
			break;
		}
		ipv6_input(ctx, &v);
		break;
	default:
		drop(ctx, &ctx->cnt.drop_proto);
		break;
	}
}

/* ---- output ---- */

/* Send f to the neighbour entry e (found, or just created: NULL when none could be): now when
 * it is resolved, else queued until it is (the caller sent the request for a new entry). */
static void neigh_output(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len,
			 struct neigh_entry *e)
{
	if (!e) {
		ctx->neigh.st.queue_drops++;
		host_link_tx_free(ctx->link, f);
		return;
	}
	if (e->state != NEIGH_INCOMPLETE) {
		memcpy(f->data, e->mac.b, ETH_ADDR_LEN);
		host_tx_put(ctx, f, len);
		return;
	}
	neigh_enqueue(&ctx->neigh, e, f->data, len);
	host_link_tx_free(ctx->link, f);
}

void host_ip_output(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len, uint32_t daddr)
{
	uint32_t nh = host_next_hop(ctx, daddr);
	struct neigh_entry *e;

	if (!nh) {
		ctx->cnt.tx_no_route++;
		host_link_tx_free(ctx->link, f);
		return;
	}
	e = neigh_find(&ctx->neigh, nh);
	if (!e && (e = neigh_create(&ctx->neigh, nh, ctx->now)) != NULL) {
		/* RFC 1122 2.3.2.1: at most one request per second per address. */
		e->probes = 1;
		e->next_probe = ctx->now + NEIGH_RETRY;
		host_arp_request(ctx, nh);
	}
	neigh_output(ctx, f, len, e);
}

void host_ip6_output(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len,
		     const struct ipv6_addr *daddr)
{
	struct ipv6_addr nh;
	struct neigh_entry *e;

	if (!host_next_hop6(ctx, daddr, &nh)) {
		ctx->cnt.tx_no_route++;
		host_link_tx_free(ctx->link, f);
		return;
	}
	e = neigh_find6(&ctx->neigh, &nh);
	if (!e && (e = neigh_create6(&ctx->neigh, &nh, ctx->now)) != NULL) {
		/* RFC 4861 7.2.2: retransmit every RetransTimer (1 s), MAX_MULTICAST_SOLICIT (3). */
		e->probes = 1;
		e->next_probe = ctx->now + NEIGH_RETRY;
		host_nd_solicit(ctx, &nh);
	}
	neigh_output(ctx, f, len, e);
}

/* The payload bytes [off, off + n) of an inline segment as an iovec (at most 2 pieces). */
static int slice_iov(const struct tcp_seg *seg, uint32_t off, uint32_t n, struct iovec iov[2])
{
	int cnt = 0;

	for (int i = 0; i < 2 && n; i++) {
		if (off >= seg->plen[i]) {
			off -= seg->plen[i];
			continue;
		}
		uint32_t take = seg->plen[i] - off;
		if (take > n)
			take = n;
		iov[cnt].iov_base = (void *)(seg->p[i] + off);
		iov[cnt].iov_len = take;
		cnt++;
		n -= take;
		off = 0;
	}
	return cnt;
}

/* True when frames to t's next hop go out now (its neighbour entry is resolved): a frame
 * queued for a resolution is copied, which a frame whose payload is not in it cannot be. */
static bool neigh_ready(struct iotcp_ctx *ctx, const struct tcp_tuple *t)
{
	const struct neigh_entry *e;

	if (t->family == TCP_AF_INET6) {
		struct ipv6_addr nh;
		if (!host_next_hop6(ctx, &t->raddr6, &nh))
			return false;
		e = neigh_find6(&ctx->neigh, &nh);
	} else {
		uint32_t nh = host_next_hop(ctx, t->raddr);
		if (!nh)
			return false;
		e = neigh_find(&ctx->neigh, nh);
	}
	return e && e->state != NEIGH_INCOMPLETE;
}

/* Build and send one frame of seg: payload [off, off + n). nseg > 1: a TSO frame the NIC cuts
 * into nseg segments (PROTO_CAP_TSO: the TCP checksum field holds the pseudo-header sum, IP
 * ids follow on from this one); where the link takes payloads by reference (tx_by_ref) its
 * payload stays in the send ring, the frame holds the headers only. Returns true for such a
 * frame: the ring's pieces must not change until the batch is flushed. */
static bool tcp_piece_output(struct iotcp_ctx *ctx, const struct tcp_seg *seg, uint32_t off,
			     uint32_t n, bool last, uint32_t nseg)
{
	static const struct mac_addr unresolved; /* filled by host_ip_output */
	struct tcp_hdr h = seg->hdr;
	struct iovec iov[2];
	struct host_tcp_frame fr = {0};
	struct host_frame f;
	size_t len;

	if (off) {
		h.seq += off + ((h.flags & TH_SYN) ? 1u : 0u);
		h.flags &= (uint8_t)~TH_SYN;
	}
	if (!last)
		h.flags &= (uint8_t) ~(TH_FIN | TH_PSH);
	bool by_ref = nseg > 1 && n && ctx->link->tx_by_ref && neigh_ready(ctx, &seg->tuple);

	bool tso_buf = nseg > 1 && !by_ref; /* a 64 KiB buffer for the whole frame */

	if (tso_buf ? host_link_tx_alloc_tso(ctx->link, &f) != 0 : !host_tx_get(ctx, &f)) {
		if (tso_buf)
			ctx->cnt.tx_nobuf++;
		return false;
	}
	fr.src_mac = &ctx->link->mac;
	fr.dst_mac = &unresolved;
	fr.ip_id = ctx->ip_id;
	ctx->ip_id = (uint16_t)(ctx->ip_id + nseg);
	fr.tso = nseg > 1;
	fr.by_ref = by_ref;
	fr.iov = iov;
	fr.iovcnt = n ? slice_iov(seg, off, n, iov) : 0;
	len = host_tcp_frame_build(f.data, f.cap, seg, &h, &fr);
	if (!len) {
		ctx->cnt.tx_too_big++;
		host_link_tx_free(ctx->link, &f);
		return false;
	}
	if (by_ref) {
		len -= n; /* the headers; the payload follows by reference */
		if (host_link_tx_attach(ctx->link, &f, iov, fr.iovcnt) != 0) {
			ctx->cnt.tx_nobuf++;
			host_link_tx_free(ctx->link, &f);
			return false;
		}
	}
	if (seg->tuple.family == TCP_AF_INET6)
		host_ip6_output(ctx, &f, (uint32_t)len, &seg->tuple.raddr6);
	else
		host_ip_output(ctx, &f, (uint32_t)len, seg->tuple.raddr);
	return by_ref;
}

/* Payload bytes per frame for seg: whole MSS-sized segments up to a TSO frame when the NIC
 * cuts them for us (HELLO cap TSO) at the size it derives from the MTU, which must then be
 * the segment size (a peer's smaller MSS: MTU-sized frames); step otherwise. */
static uint32_t tso_frame_payload(const struct iotcp_ctx *ctx, const struct tcp_seg *seg,
				  uint32_t step, uint32_t room)
{
	uint32_t hdrs = ETH_HDR_LEN + host_ip_hdr_len(&seg->tuple) + TCP_HDR_MIN;

	hdrs += (uint32_t)tcp_opts_len(&seg->hdr.opts);
	if (seg->tuple.family == TCP_AF_INET6 && !(ctx->nic.caps & PROTO_CAP_IPV6))
		return step; /* a NIC that cuts IPv4 TSO frames only */
	if (!ctx->nic.up || !(ctx->nic.caps & PROTO_CAP_TSO) || step != room ||
	    seg->kind != TCP_PAYLOAD_INLINE || seg->len <= step || ctx->link->tso_frame <= hdrs)
		return step;
	uint32_t n = (ctx->link->tso_frame - hdrs) / step;
	return n > 1 ? n * step : step;
}

void host_tcp_output(struct iotcp_ctx *ctx)
{
	struct tcp_seg seg;

	while (tcp_stack_output(ctx->tcp, &seg, ctx->now)) {
		if (seg.kind == TCP_PAYLOAD_EXT) {
			/* File ranges are the NIC's to send: a SEND with a header template. */
			if (ctx->nic.enabled)
				host_offload_output(ctx, &seg);
			else
				ctx->cnt.tx_ext_unsupported++;
			continue;
		}
		/* Cut segments longer than the MSS or the IP MTU (RFC 9293 3.7.1). */
		uint32_t room = ctx->mtu - host_ip_hdr_len(&seg.tuple) - TCP_HDR_MIN -
				(uint32_t)tcp_opts_len(&seg.hdr.opts);
		uint32_t step = seg.mss && seg.mss < room ? seg.mss : room;
		uint32_t len = seg.kind == TCP_PAYLOAD_INLINE ? seg.len : 0;
		if (step == 0)
			step = 1;
		uint32_t per_frame = tso_frame_payload(ctx, &seg, step, room);
		uint32_t off = 0;
		bool by_ref = false;
		do {
			uint32_t n = len - off > per_frame ? per_frame : len - off;
			by_ref |=
			    tcp_piece_output(ctx, &seg, off, n, off + n >= len, (n + step - 1) / step);
			off += n;
		} while (off < len);
		/* seg's pieces are valid until the next call into the stack */
		if (by_ref)
			host_tx_flush(ctx);
	}
	host_offload_flush(ctx);
	host_tx_flush(ctx);
}
