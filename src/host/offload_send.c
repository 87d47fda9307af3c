/* SPDX-License-Identifier: BSD-2-Clause */
/* SENDs (see offload_types.h): one built for every TCP_PAYLOAD_EXT segment the core emits (the
 * header template, the next hop's MAC), and the NIC's ECHO and ERROR for them. The flows they
 * belong to: offload_flow.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/arp.h"
#include "host/ctx.h"
#include "host/desc.h"
#include "host/link.h"
#include "host/ndisc.h"
#include "host/neigh.h"
#include "host/offload.h"
#include "host/offload_flow.h"
#include "host/offload_send.h"
#include "host/offload_sync.h"
#include "host/offload_types.h"
#include "host/route.h"
#include "host/sock_types.h"
#include "host/tcp_frame.h"
#include "host/tls_flow.h"


/* A first transmission tells where its reservation starts in sequence space. */
static void learn_seq(struct host_off_flow *f, const struct tcp_seg *seg)
{
	for (uint32_t i = f->res_head; i < f->nres; i++) {
		struct host_off_res *r = &f->res[i];
		if (r->seq_known)
			continue;
		if (r->tag != seg->tag || r->off < seg->tag_off ||
		    r->off >= seg->tag_off + seg->len)
			return;
		r->seq = seg->hdr.seq + (uint32_t)(r->off - seg->tag_off);
		r->seq_known = true;
	}
}

static struct host_off_flow *flow_of_seg(struct iotcp_ctx *ctx, const struct tcp_seg *seg)
{
	void *user = seg->conn ? tcp_conn_user(seg->conn) : NULL;
	struct host_sock *s = user ? host_sock_get(ctx, (int)((uintptr_t)user - 1)) : NULL;

	if (s && s->off && s->off->conn == seg->conn)
		return s->off;
	/* orphans (no socket any more): a walk of the live flows */
	for (struct host_off_flow *f = ctx->off.list.next; f != &ctx->off.list; f = f->next)
		if (f->conn == seg->conn)
			return f;
	return NULL;
}

static struct host_off_send *send_slot(struct host_off_flow *f)
{
	if (f->nsends == f->sends_cap) {
		uint32_t ncap = f->sends_cap ? f->sends_cap * 2 : 8;
		struct host_off_send *ns = realloc(f->sends, ncap * sizeof(*ns));
		if (!ns)
			return NULL;
		f->sends = ns;
		f->sends_cap = ncap;
	}
	return &f->sends[f->nsends];
}

/* The NIC will not send it (or we could not ask): start TCP's timing as if it went out and was
 * lost, so the RTO retransmits it without waiting for an ECHO that never comes. */
static void ext_lost(struct iotcp_ctx *ctx, const struct tcp_seg *seg)
{
	tcp_ext_sent(seg->conn, seg->hdr.seq, seg->hdr.seq + seg->len, ctx->now, 0);
}

/* Destination MAC of the next hop of t's remote address, or false (an ARP request or ND
 * solicitation is on its way). */
static bool next_hop_mac(struct iotcp_ctx *ctx, const struct tcp_tuple *t, struct mac_addr *mac)
{
	struct neigh_entry *e;
	struct ipv6_addr nh6;
	uint32_t nh = 0;

	if (t->family == TCP_AF_INET6) {
		if (!host_next_hop6(ctx, &t->raddr6, &nh6))
			return false;
		e = neigh_find6(&ctx->neigh, &nh6);
	} else {
		nh = host_next_hop(ctx, t->raddr);
		if (!nh)
			return false;
		e = neigh_find(&ctx->neigh, nh);
	}
	if (e && e->state != NEIGH_INCOMPLETE) {
		*mac = e->mac;
		return true;
	}
	if (e)
		return false;
	e = t->family == TCP_AF_INET6 ? neigh_create6(&ctx->neigh, &nh6, ctx->now)
				      : neigh_create(&ctx->neigh, nh, ctx->now);
	if (e) {
		e->probes = 1;
		e->next_probe = ctx->now + NEIGH_RETRY;
		if (t->family == TCP_AF_INET6)
			host_nd_solicit(ctx, &nh6);
		else
			host_arp_request(ctx, nh);
	}
	return false;
}

/* The reservation of a TLS body by its tag (NULL for plain file ranges). */
static const struct host_off_res *tls_res_of(const struct host_off_flow *f, uint64_t tag)
{
	if (!f || !(tag & HOST_TLS_TAG))
		return NULL;
	for (uint32_t i = f->res_head; i < f->nres; i++)
		if (f->res[i].tag == tag)
			return &f->res[i];
	return NULL;
}

void host_offload_output(struct iotcp_ctx *ctx, const struct tcp_seg *seg)
{
	struct host_off_flow *f = seg->conn ? flow_of_seg(ctx, seg) : NULL;
	const struct host_off_res *tls = tls_res_of(f, seg->tag);
	struct host_fid *fid = host_fid_get(ctx, tls			  ? tls->fid_desc
						 : seg->tag <= INT32_MAX ? (int)seg->tag
									 : -1);
	struct host_off_send *e;
	struct tcp_hdr h = seg->hdr;
	struct host_tcp_frame fr = {0};
	struct mac_addr dst;
	size_t tlen;
	uint32_t room, mss, nseg;

	if (!f || f->doomed) {
		/* untracked, or being reset: never sent */
		ctx->cnt.off_tx_no_fid++;
		if (seg->conn)
			ext_lost(ctx, seg);
		return;
	}
	if (!fid || fid->state != FID_OPEN) {
		/* the file is gone (NIC restart): the bytes can never be sent */
		ctx->cnt.off_tx_no_fid++;
		f->doomed = ECONNRESET;
		ext_lost(ctx, seg);
		return;
	}
	if (!ctx->nic.up) { /* the NIC is away: lost, TCP retransmits */
		ctx->cnt.off_tx_nic_down++;
		ext_lost(ctx, seg);
		return;
	}
	if (!next_hop_mac(ctx, &seg->tuple, &dst)) {
		ctx->cnt.off_tx_unresolved++;
		ext_lost(ctx, seg);
		return;
	}
	room = ctx->mtu - host_ip_hdr_len(&seg->tuple) - TCP_HDR_MIN -
	       (uint32_t)tcp_opts_len(&seg->hdr.opts);
	mss = seg->mss && seg->mss < room ? seg->mss : room;
	if (mss == 0 || mss > UINT16_MAX)
		mss = mss ? UINT16_MAX : 1;
	nseg = (seg->len + mss - 1) / mss;
	e = send_slot(f);
	if (!e) {
		ext_lost(ctx, seg);
		return;
	}
	fr.src_mac = &ctx->link->mac;
	fr.dst_mac = &dst;
	fr.ip_id = ctx->ip_id;
	/* header only: the NIC fixes lengths */
	tlen = host_tcp_frame_build(e->tmpl, sizeof(e->tmpl), seg, &h, &fr);
	if (!tlen) {
		ctx->cnt.tx_too_big++;
		ext_lost(ctx, seg);
		return;
	}
	ctx->ip_id = (uint16_t)(ctx->ip_id + nseg);
	memset(&e->cmd, 0, sizeof(e->cmd));
	e->cookie = (uint64_t)f->id << 32 | (uint32_t)++f->send_serial;
	e->seq = seg->hdr.seq;
	e->len = seg->len;
	e->sent_at = ctx->now;
	e->retry_at = TCP_TIME_NEVER;
	e->retries = 0;
	e->cmd.flow = f->id;
	e->cmd.fid = fid->nic_fid;
	e->cmd.file_off = seg->tag_off;
	e->cmd.len = seg->len;
	e->cmd.mss = (uint16_t)mss;
	e->cmd.tmpl_len = (uint16_t)tlen;
	e->cmd.flags = PROTO_SEND_F_ECHO | (seg->retransmit ? PROTO_SEND_F_RETRANSMIT : 0u);
	e->cmd.cookie = e->cookie;
	e->cmd.tmpl = e->tmpl;
	if (tls) /* a range of the body's record stream: sealed on the NIC */
		host_tls_send_cmd(&e->cmd, &tls->tls);
	if (f->nretry) {
		/* earlier ranges wait for store space: queue behind them, in order */
		e->retry_at = ctx->now;
		f->nretry++;
		tcp_conn_ext_deferred(f->conn, e->seq + e->len);
	} else if (!host_off_put_send(ctx, e)) {
		ext_lost(ctx, seg);
		return;
	}
	f->nsends++;
	if (!f->sent_any) {
		f->sent_any = true;
		f->ackd = seg->hdr.seq; /* nothing before it is the NIC's */
	}
	ctx->cnt.off_sends++;
	if (seg->retransmit)
		ctx->cnt.off_retransmit_sends++;
	learn_seq(f, seg);
}

static struct host_off_send *find_send(struct host_off_flow *f, uint64_t cookie, uint32_t *idx)
{
	for (uint32_t i = 0; i < f->nsends; i++) {
		if (f->sends[i].cookie == cookie) {
			*idx = i;
			return &f->sends[i];
		}
	}
	return NULL;
}

void host_off_echo(struct iotcp_ctx *ctx, const struct proto_echo *m)
{
	struct host_off_flow *f = host_off_flow_lookup(ctx, m->flow);
	struct host_off_send *e;
	uint32_t i;

	if (!f || !(e = find_send(f, m->cookie, &i))) {
		ctx->cnt.off_cmd_unexpected++; /* late (timed out, acked, flow gone) */
		return;
	}
	/* RFC 6298 timing starts when the bytes left the NIC, without its queueing delay. */
	tcp_ext_sent(f->conn, e->seq, e->seq + e->len, ctx->now, m->nic_delay_ns);
	ctx->cnt.offload_bytes += e->len;
	ctx->cnt.off_echoes++;
	host_off_send_remove(f, i);
}

static void close_error(struct iotcp_ctx *ctx, uint32_t nic_fid)
{
	for (struct host_fid *fid = ctx->off.closing; fid; fid = fid->close_next) {
		if (fid->close_sent && fid->nic_fid == nic_fid) {
			host_fid_free(ctx, fid->desc);
			return;
		}
	}
}

static tcp_time_t flow_backoff(struct host_off_flow *f)
{
	f->limited = true;
	f->backoff = f->backoff ? f->backoff * 2 : HOST_OFF_RETRY;
	if (f->backoff > HOST_OFF_FLOW_BACKOFF_MAX)
		f->backoff = HOST_OFF_FLOW_BACKOFF_MAX;
	return f->backoff;
}

void host_off_error(struct iotcp_ctx *ctx, const struct proto_error *m)
{
	struct host_off_flow *f;
	struct host_off_send *e;
	uint32_t i;

	ctx->cnt.off_errors[m->reason < HOST_OFF_REASONS ? m->reason : 0]++;
	switch (m->cmd_type) {
	case PROTO_T_OPEN:
		host_fid_open_error(ctx, m->req_id, m->err < 0 && m->err >= -4095 ? -m->err : EIO);
		return;
	case PROTO_T_CLOSE:
		close_error(ctx, m->fid);
		return;
	case PROTO_T_SYNC: /* a NIC without SYNC: no resync until the next period */
		host_offload_sync_cancel(ctx);
		return;
	case PROTO_T_SEND:
	case PROTO_T_TLS_SEND:
		break;
	case PROTO_T_TLS_KEY: /* the NIC refused a key: that flow's bodies cannot be sealed */
		f = host_off_flow_lookup(ctx, m->flow);
		if (f)
			f->doomed = ECONNRESET;
		return;
	default:
		return; /* ACKD and others: nothing to undo */
	}
	f = host_off_flow_lookup(ctx, m->flow);
	if (!f)
		return;
	e = find_send(f, m->cookie, &i);
	switch (m->reason) {
	case PROTO_ERR_TLS_NO_KEY:
		/* the key never arrived (or was refused): send it again, then the SEND */
		if (!e || !host_tls_flow_rekey(ctx, f, &e->cmd)) {
			f->doomed = ECONNRESET;
			return;
		}
		__attribute__((fallthrough)); /* then retry the SEND as below */
	case PROTO_ERR_STORE_FULL:
	case PROTO_ERR_BUSY:
	case PROTO_ERR_FLOW_LIMIT:
		if (!e)
			return;
		if (e->retry_at != TCP_TIME_NEVER)
			return; /* already waiting (a duplicate ERROR) */
		if (e->retries < HOST_OFF_RETRY_MAX) {
			e->retries++;
			/* flow_limit: this flow holds its share of the NIC; it backs off (doubling)
			 * until its next ACKD frees something, the other flows go on */
			e->retry_at = ctx->now + (m->reason == PROTO_ERR_FLOW_LIMIT
							 ? flow_backoff(f)
							 : HOST_OFF_RETRY);
			f->nretry++;
			ctx->cnt.off_store_full_retries++;
			if (f->conn)
				tcp_conn_ext_deferred(f->conn, e->seq + e->len);
			return;
		}
		tcp_ext_sent(f->conn, e->seq, e->seq + e->len, ctx->now, 0);
		host_off_send_remove(f, i);
		return;
	case PROTO_ERR_MALFORMED:
	case PROTO_ERR_UNSUPPORTED:
	case PROTO_ERR_UNKNOWN_FLOW:
		return; /* the SEND is lost: its echo timeout lets TCP retransmit */
	default:
		/* unknown_fid, io, truncated, range, bad_template: the peer must see a reset,
		 * never wrong bytes */
		f->doomed = m->reason == PROTO_ERR_IO ? EIO : ECONNRESET;
		return;
	}
}
