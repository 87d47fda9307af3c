/* SPDX-License-Identifier: BSD-2-Clause */
/* Offloaded flows (see offload_types.h): the flow table, reservations and per-fid accounting of
 * unacknowledged bytes, ACKD, the per-pass work (SEND retries, echo timeouts, ends), orphaned
 * connections, aborts. The SENDs themselves and their ECHO / ERROR: offload_send.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/ctx.h"
#include "host/epoll.h"
#include "host/offload.h"
#include "host/offload_cmd.h"
#include "host/offload_flow.h"
#include "host/offload_sync.h"
#include "host/offload_types.h"
#include "host/sock_types.h"
#include "host/tls_keys.h"
#include "tcp/seq.h"

#define FLOW_SLOT_MASK ((1u << HOST_OFF_FLOW_BITS) - 1u)
#define FLOW_SLOT_MAX  (1u << HOST_OFF_FLOW_BITS)

void host_offload_init(struct iotcp_ctx *ctx)
{
	ctx->off.list.next = ctx->off.list.prev = &ctx->off.list;
}

struct host_off_flow *host_off_flow_lookup(struct iotcp_ctx *ctx, uint32_t id)
{
	uint32_t slot = id & FLOW_SLOT_MASK;

	if (slot >= ctx->off.flows_cap || !ctx->off.flows[slot] || ctx->off.flows[slot]->id != id)
		return NULL;
	return ctx->off.flows[slot];
}

static int slot_alloc(struct iotcp_ctx *ctx, uint32_t *slot)
{
	struct host_offload *o = &ctx->off;

	if (!o->nfree) {
		uint32_t ncap = o->flows_cap ? o->flows_cap * 2 : 64;
		if (o->flows_cap >= FLOW_SLOT_MAX)
			return -ENOMEM;
		if (ncap > FLOW_SLOT_MAX)
			ncap = FLOW_SLOT_MAX;
		struct host_off_flow **nf = realloc(o->flows, ncap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		o->flows = nf;
		uint32_t *ns = realloc(o->free_slots, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		o->free_slots = ns;
		for (uint32_t i = ncap; i-- > o->flows_cap;) {
			nf[i] = NULL;
			ns[o->nfree++] = i;
		}
		o->flows_cap = ncap;
	}
	*slot = o->free_slots[--o->nfree];
	return 0;
}

struct host_off_flow *host_off_flow_of(struct iotcp_ctx *ctx, struct host_sock *s)
{
	struct host_off_flow *f;
	uint32_t slot;

	ctx->off.dirty = true;
	if (s->off)
		return s->off;
	if (slot_alloc(ctx, &slot) < 0)
		return NULL;
	if (ctx->off.spare) {
		f = ctx->off.spare;
		ctx->off.spare = f->next;
		ctx->off.nspare--;
	} else if (!(f = calloc(1, sizeof(*f)))) {
		ctx->off.free_slots[ctx->off.nfree++] = slot;
		return NULL;
	}
	ctx->off.flow_gen = (uint16_t)((ctx->off.flow_gen + 1) & 0xfffu);
	f->id = (uint32_t)ctx->off.flow_gen << HOST_OFF_FLOW_BITS | slot;
	f->conn = s->conn;
	f->sock = s;
	ctx->off.flows[slot] = f;
	f->next = &ctx->off.list;
	f->prev = ctx->off.list.prev;
	ctx->off.list.prev->next = f;
	ctx->off.list.prev = f;
	s->off = f;
	return f;
}

static void put_ackd(struct iotcp_ctx *ctx, struct host_off_flow *f, uint32_t acked, uint32_t fl)
{
	struct proto_ackd a = {.flow = f->id, .acked = acked, .flags = fl};
	struct proto_writer *w;

	if (!ctx->nic.up || !f->sent_any)
		return;
	w = host_off_cmd_writer(ctx, PROTO_ACKD_LEN);
	if (w && proto_put_ackd(w, &a) == 0)
		ctx->cnt.off_ackds++;
}

/* Forget the flow: ACKD(END) to the NIC (when it knows the flow), every unacknowledged
 * reserved byte released from its fid. The connection is the caller's business. */
static void flow_free(struct iotcp_ctx *ctx, struct host_off_flow *f, bool tell_nic)
{
	if (tell_nic)
		put_ackd(ctx, f, f->ackd, PROTO_ACKD_F_END);
	for (uint32_t i = f->res_head; i < f->nres; i++)
		host_fid_release_bytes(ctx, f->res[i].fid_desc, f->res[i].len - f->res[i].acked);
	f->prev->next = f->next;
	f->next->prev = f->prev;
	ctx->off.flows[f->id & FLOW_SLOT_MASK] = NULL;
	ctx->off.free_slots[ctx->off.nfree++] = f->id & FLOW_SLOT_MASK;
	if (f->sock)
		f->sock->off = NULL;
	host_tls_keys_put(f->tls_keys);
	if (ctx->off.nspare < HOST_OFF_SPARE_MAX) {
		/* kept for the next flow: a clean flow that owns its two arrays */
		struct host_off_res *res = f->res;
		struct host_off_send *sends = f->sends;
		uint32_t res_cap = f->res_cap, sends_cap = f->sends_cap;
		memset(f, 0, sizeof(*f));
		f->res = res;
		f->res_cap = res_cap;
		f->sends = sends;
		f->sends_cap = sends_cap;
		f->next = ctx->off.spare;
		ctx->off.spare = f;
		ctx->off.nspare++;
		return;
	}
	free(f->res);
	free(f->sends);
	free(f);
}

static void spare_free(struct iotcp_ctx *ctx)
{
	while (ctx->off.spare) {
		struct host_off_flow *f = ctx->off.spare;
		ctx->off.spare = f->next;
		free(f->res);
		free(f->sends);
		free(f);
	}
	ctx->off.nspare = 0;
}

int host_off_flow_reserve(struct iotcp_ctx *ctx, struct host_off_flow *f,
			  const struct host_off_res *r)
{
	struct host_off_res *last = f->nres > f->res_head ? &f->res[f->nres - 1] : NULL;

	/* The core merges the same way (same tag, contiguous, nothing in between). */
	if (last && !f->inline_after && last->tag == r->tag && last->off + last->len == r->off &&
	    last->len <= UINT32_MAX - r->len) {
		last->len += r->len;
		last->tls.body_len += r->tls.body_len; /* a TLS body continued */
		return 0;
	}
	f->inline_after = false;
	f->idle = false;
	if (f->res_head && f->res_head == f->nres)
		f->res_head = f->nres = 0;
	if (f->nres == f->res_cap) {
		if (f->res_head) { /* slide the live entries down */
			memmove(f->res, f->res + f->res_head,
				(f->nres - f->res_head) * sizeof(*f->res));
			f->nres -= f->res_head;
			f->res_head = 0;
		} else {
			uint32_t ncap = f->res_cap ? f->res_cap * 2 : 8;
			struct host_off_res *nr = realloc(f->res, ncap * sizeof(*nr));
			if (!nr)
				return -ENOMEM;
			f->res = nr;
			f->res_cap = ncap;
		}
	}
	f->res[f->nres] = *r;
	f->res[f->nres].acked = 0;
	f->res[f->nres].seq_known = false;
	f->nres++;
	return 0;
}

void host_offload_inline_written(struct host_sock *s)
{
	if (s->off)
		s->off->inline_after = true;
}

/* Release acknowledged reservation bytes from their fids. */
static void account_acks(struct iotcp_ctx *ctx, struct host_off_flow *f, uint32_t snd_una)
{
	while (f->res_head < f->nres) {
		struct host_off_res *r = &f->res[f->res_head];
		uint32_t acked;
		if (!r->seq_known || SEQ_LEQ(snd_una, r->seq))
			return;
		acked = SEQ_GEQ(snd_una, r->seq + r->len) ? r->len : snd_una - r->seq;
		if (acked > r->acked) {
			host_fid_release_bytes(ctx, r->fid_desc, acked - r->acked);
			r->acked = acked;
		}
		if (acked < r->len)
			return;
		f->res_head++;
	}
}

bool host_off_put_send(struct iotcp_ctx *ctx, struct host_off_send *e)
{
	/* room for what proto_put_send writes: a TLS_SEND is longer than a SEND (a shortfall
	 * would fail the frame and lose every command in it, TLS_KEYs included) */
	size_t fixed = e->cmd.is_tls ? PROTO_TLS_SEND_LEN : PROTO_SEND_LEN;
	struct proto_writer *w = host_off_cmd_writer(ctx, fixed + e->cmd.tmpl_len);

	e->cmd.tmpl = e->tmpl; /* the array may have moved since */
	return w && proto_put_send(w, &e->cmd) == 0;
}

void host_off_send_remove(struct host_off_flow *f, uint32_t i)
{
	if (f->sends[i].retry_at != TCP_TIME_NEVER)
		f->nretry--;
	f->sends[i] = f->sends[--f->nsends];
}

/* An ACKD released some of the flow's NIC jobs: its SENDs backing off go now. */
static void backoff_end(struct iotcp_ctx *ctx, struct host_off_flow *f)
{
	f->backoff = 0;
	for (uint32_t i = 0; i < f->nsends; i++)
		if (f->sends[i].retry_at != TCP_TIME_NEVER)
			f->sends[i].retry_at = ctx->now;
}

void host_offload_abort_sock(struct iotcp_ctx *ctx, struct host_sock *s, int err)
{
	if (s->off)
		flow_free(ctx, s->off, true);
	if (s->conn) {
		tcp_abort(s->conn);
		s->conn = NULL;
	}
	s->err = err;
	ctx->cnt.off_flows_aborted++;
	host_sock_notify(ctx, s, false);
}

/* Reset the flow's connection (RST) and forget the flow. */
static void flow_abort(struct iotcp_ctx *ctx, struct host_off_flow *f, int err, bool tell_nic)
{
	if (f->sock) {
		struct host_sock *s = f->sock;
		flow_free(ctx, f, tell_nic);
		host_offload_abort_sock(ctx, s, err);
		return;
	}
	tcp_abort(f->conn);
	flow_free(ctx, f, tell_nic);
	ctx->cnt.off_flows_aborted++;
}

/* Resend the due retries lowest sequence first, so that the oldest data gets the store's
 * free blocks first (otherwise later ranges could pin every block and starve the range TCP
 * needs acknowledged next). A flow at its NIC limit (backing off) probes with one SEND per
 * pass: the rest would only come back as ERRORs. */
static void resend_due(struct iotcp_ctx *ctx, struct host_off_flow *f)
{
	for (bool one = f->limited; ctx->nic.up;) {
		struct host_off_send *best = NULL;
		for (uint32_t i = 0; i < f->nsends; i++) {
			struct host_off_send *e = &f->sends[i];
			if (e->retry_at != TCP_TIME_NEVER && ctx->now >= e->retry_at &&
			    (!best || SEQ_LT(e->seq, best->seq)))
				best = e;
		}
		if (!best)
			return;
		best->retry_at = TCP_TIME_NEVER;
		best->sent_at = ctx->now;
		f->nretry--;
		host_off_put_send(ctx, best);
		if (one)
			return;
	}
}

/* Echo timeouts, acknowledged SENDs, retries. Returns true when a retry is pending. */
static bool flow_sends(struct iotcp_ctx *ctx, struct host_off_flow *f, uint32_t snd_una)
{
	for (uint32_t i = 0; i < f->nsends;) {
		struct host_off_send *e = &f->sends[i];
		if (SEQ_LEQ(e->seq + e->len, snd_una)) {
			host_off_send_remove(f, i); /* acknowledged: its ECHO no longer matters */
			continue;
		}
		if (e->retry_at == TCP_TIME_NEVER &&
		    ctx->now - e->sent_at >= HOST_OFF_ECHO_TIMEOUT) {
			/* lost SEND or lost ECHO: time it from the SEND, TCP's RTO does the rest */
			tcp_ext_sent(f->conn, e->seq, e->seq + e->len, ctx->now,
				     ctx->now - e->sent_at);
			ctx->cnt.off_echo_timeouts++;
			host_off_send_remove(f, i);
			continue;
		}
		i++;
	}
	if (f->nretry)
		resend_due(ctx, f);
	else
		f->limited = false; /* every SEND it had to repeat is through */
	return f->nretry > 0;
}

/* The flow is over (connection gone, or every byte acknowledged): forget it and tell the NIC;
 * an orphan's connection, which no socket will close, is closed here. */
static void flow_end(struct iotcp_ctx *ctx, struct host_off_flow *f)
{
	struct tcp_conn *c = f->conn;
	bool orphan = f->orphan;

	flow_free(ctx, f, true);
	if (orphan)
		tcp_close(c);
}

/* One flow's share of a loop pass; false when the flow is gone. */
static bool flow_pass(struct iotcp_ctx *ctx, struct host_off_flow *f)
{
	uint32_t snd_una, snd_nxt;

	if (f->doomed) {
		flow_abort(ctx, f, f->doomed, true);
		return false;
	}
	if (tcp_conn_state(f->conn) == TCP_CLOSED || tcp_conn_error(f->conn)) {
		/* reset, timed out: the NIC may forget everything */
		flow_end(ctx, f);
		return false;
	}
	tcp_conn_snd_seqs(f->conn, &snd_una, &snd_nxt);
	account_acks(ctx, f, snd_una);
	/* Under store pressure every acknowledged byte may free a block: no batching. */
	bool pressure = flow_sends(ctx, f, snd_una);
	bool idle = snd_una == snd_nxt || f->res_head == f->nres;
	if (f->sent_any && SEQ_GT(snd_una, f->ackd) &&
	    (snd_una - f->ackd >= HOST_OFF_ACKD_STEP || idle || pressure)) {
		put_ackd(ctx, f, snd_una, 0);
		f->ackd = snd_una;
		if (f->backoff)
			backoff_end(ctx, f);
	}
	if (f->res_head == f->nres && !f->nsends) {
		/* every external byte acknowledged: the flow ends until the next offload write --
		 * a TLS flow of an open socket after HOST_OFF_TLS_IDLE (its key stays on the NIC) */
		if (!f->idle) {
			f->idle = true;
			f->idle_since = ctx->now;
		}
		if (f->tls_keys && f->sock && ctx->now - f->idle_since < HOST_OFF_TLS_IDLE)
			return true;
		flow_end(ctx, f);
		return false;
	}
	f->idle = false;
	return true;
}

void host_offload_pass(struct iotcp_ctx *ctx)
{
	struct host_off_flow *f = ctx->off.list.next, *next;

	for (; f != &ctx->off.list; f = next) {
		next = f->next;
		flow_pass(ctx, f);
	}
	host_fid_timers(ctx);
	host_offload_sync_timers(ctx);
}

bool host_offload_busy(const struct iotcp_ctx *ctx)
{
	uint64_t inflight = 0;

	for (const struct host_off_flow *f = ctx->off.list.next; f != &ctx->off.list; f = f->next)
		for (uint32_t i = f->res_head; i < f->nres; i++) {
			inflight += f->res[i].len - f->res[i].acked;
			if (inflight > HOST_OFF_BUSY_BYTES)
				return true;
		}
	return false;
}

bool host_offload_sock_release(struct iotcp_ctx *ctx, struct host_sock *s, bool abort)
{
	struct host_off_flow *f = s->off;

	ctx->off.dirty = true;

	if (!f)
		return false;
	if (s->conn)
		tcp_conn_set_user(s->conn, NULL);
	if (abort || !s->conn || tcp_conn_readable(s->conn)) {
		/* RFC 9293 3.10.4 / RFC 2525 2.17: unread data resets, like tcp_close */
		flow_free(ctx, f, true);
		if (!s->conn)
			return false;
		tcp_abort(s->conn);
		s->conn = NULL;
		return true;
	}
	if (f->res_head == f->nres && !f->nsends) {
		flow_free(ctx, f, true);
		return false;
	}
	/* external data outstanding: keep the connection until it is acknowledged */
	/* an orphan to the core (its limits apply; data from the peer is answered with RST) */
	tcp_close_keep(s->conn);
	f->sock = NULL;
	f->orphan = true;
	s->off = NULL;
	s->conn = NULL;
	return true;
}

void host_offload_nic_restart(struct iotcp_ctx *ctx)
{
	struct host_off_flow *f = ctx->off.list.next, *next;

	/* commands still queued were for the old NIC */
	if (ctx->off.frame_open) {
		host_link_tx_free(ctx->link, &ctx->off.frame);
		ctx->off.frame_open = false;
	}
	for (; f != &ctx->off.list; f = next) {
		next = f->next;
		if (f->res_head == f->nres && !f->nsends && f->sock)
			flow_free(ctx, f, false); /* a TLS flow kept idle: nothing was lost */
		else
			flow_abort(ctx, f, ECONNRESET, false);
	}
	host_fid_nic_restart(ctx);
	host_offload_sync_cancel(ctx); /* the new NIC holds nothing of ours */
}

void host_offload_destroy(struct iotcp_ctx *ctx)
{
	struct host_off_flow *f = ctx->off.list.next, *next;

	if (!ctx->off.list.next)
		return;
	for (; f != &ctx->off.list; f = next) {
		next = f->next;
		flow_abort(ctx, f, ECONNRESET, true);
	}
	host_offload_flush(ctx); /* the ACKD(END)s */
	spare_free(ctx);
	free(ctx->off.flows);
	free(ctx->off.free_slots);
	ctx->off.flows = NULL;
	ctx->off.free_slots = NULL;
}
