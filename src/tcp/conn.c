/* SPDX-License-Identifier: BSD-2-Clause */
/* Connection lifecycle, configuration and the application calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/isn.h"
#include "tcp/tcb.h"
#include "tcp/tuple.h"

static const char *const state_names[] = {
	"CLOSED",     "LISTEN",     "SYN_SENT",   "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",    "LAST_ACK",     "TIME_WAIT",
};

const char *tcp_state_name(enum tcp_state s)
{
	if ((unsigned)s < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[s];
	return "?";
}

void tcp_config_default(struct tcp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mss = 1460;
	c->sndbuf = 256 * 1024;
	c->rcvbuf = 256 * 1024;
	c->sndbuf_auto = true;
	c->rcvbuf_auto = true;
	c->sndbuf_max = 4 * 1024 * 1024;  /* Linux tcp_wmem[2] */
	c->rcvbuf_max = 6 * 1024 * 1024;  /* Linux tcp_rmem[2] */
	c->max_ext = 64;
	c->tso_max = 1460;
	c->sack = true;
	c->timestamps = true;
	c->wscale = true;
	c->rack = true;
	c->rto_initial = 1 * TCP_SEC;        /* RFC 6298 2.1 */
	c->rto_min = 200 * TCP_MSEC;         /* RFC 6298 says 1 s; 200 ms as deployed stacks */
	c->rto_max = 60 * TCP_SEC;           /* RFC 6298 2.5 */
	c->delack = 40 * TCP_MSEC;
	c->time_wait = 60 * TCP_SEC;         /* 2*MSL with MSL = 30 s */
	c->keep_idle = 7200 * TCP_SEC;       /* RFC 1122 4.2.3.6 */
	c->keep_intvl = 75 * TCP_SEC;
	c->keep_cnt = 9;
	c->syn_retries = 6;
	c->data_retries = 15;
	c->fin_timeout = 60 * TCP_SEC;     /* Linux tcp_fin_timeout */
	c->orphan_retries = 8;             /* Linux tcp_orphan_retries (0 there means 8) */
	/* as long as Linux keeps trying an unanswered connection (tcp_retries2 = 15: ~924 s) */
	c->persist_max = 900 * TCP_SEC;
	c->ooo_max = 0;                    /* as much as the receive buffer (as Linux) */
	c->sentmap_max = 0;                /* one per segment the send buffer can hold */
}

void tcp_stack_config_default(struct tcp_stack_config *c)
{
	memset(c, 0, sizeof(*c));
	c->challenge_ack_limit = 1000;     /* Linux 4.7 - 5.19 tcp_challenge_ack_limit */
	c->max_conns = 65536;
	c->max_orphans = 16384;
	c->ooo_mem_max = 64ull << 20;
}

/* Clamp a configuration to what the core supports. */
static void sanitize_config(struct tcp_config *c)
{
	if (c->mss < 64)
		c->mss = 64;
	if (c->tso_max < c->mss)
		c->tso_max = c->mss;
	if (c->tso_max > 65535 * 4)
		c->tso_max = 65535 * 4;
	if (c->sndbuf < 2u * c->mss)
		c->sndbuf = 2u * c->mss;
	if (c->rcvbuf < 2u * c->mss)
		c->rcvbuf = 2u * c->mss;
	if (c->rcvbuf > (1u << 30))
		c->rcvbuf = 1u << 30;
	if (c->sndbuf > (1u << 30))
		c->sndbuf = 1u << 30;
	if (c->sndbuf_max > (1u << 30))
		c->sndbuf_max = 1u << 30;
	if (c->rcvbuf_max > (1u << 30))
		c->rcvbuf_max = 1u << 30;
	if (!c->max_ext)
		c->max_ext = 1;
	if (!c->rto_min)
		c->rto_min = TCP_MSEC;
	if (c->rto_max < c->rto_min)
		c->rto_max = c->rto_min;
	if (!c->rto_initial)
		c->rto_initial = TCP_SEC;
	if (!c->time_wait)
		c->time_wait = TCP_MSEC;
	if (!c->keep_intvl)
		c->keep_intvl = TCP_SEC;
	if (!c->keep_idle)
		c->keep_idle = TCP_SEC;
	if (!c->fin_timeout)
		c->fin_timeout = TCP_MSEC;
	if (!c->orphan_retries)
		c->orphan_retries = 1;
	if (!c->sentmap_max) {
		uint32_t most = c->sndbuf_auto && c->sndbuf_max > c->sndbuf ? c->sndbuf_max : c->sndbuf;
		c->sentmap_max = most / c->mss + 64;
	}
	if (c->sentmap_max < 64)
		c->sentmap_max = 64;
	c->cc[sizeof(c->cc) - 1] = 0;
}

struct tcp_conn *tcp_conn_new(struct tcp_stack *s, const struct tcp_tuple *t,
			      const struct tcp_config *cfg, tcp_time_t now)
{
	struct tcp_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->stack = s;
	c->t = *t;
	c->cfg = *cfg;
	if (t->family == TCP_AF_INET6) {
		/* cfg->mss is the IPv4 MSS of the link (MTU - 40): IPv6 takes MTU - 60. A TSO limit
		 * equal to the MSS means "no TSO" and stays so. */
		uint16_t mss6 = tcp_mss_for_family(cfg->mss, TCP_AF_INET6);
		if (c->cfg.tso_max == c->cfg.mss)
			c->cfg.tso_max = mss6;
		c->cfg.mss = mss6;
	}
	sanitize_config(&c->cfg);
	c->cc_ops = c->cfg.cc[0] ? tcp_cc_find(c->cfg.cc) : tcp_cc_default();
	if (!c->cc_ops)
		c->cc_ops = tcp_cc_default();
	c->heap_idx = -1;
	c->state = TCP_CLOSED;
	c->sb = tcp_sndbuf_new(c->cfg.sndbuf, c->cfg.max_ext);
	c->rb = tcp_rcvbuf_new(c->cfg.rcvbuf);
	if (!c->sb || !c->rb || tcp_sentmap_init(&c->sm) < 0)
		goto fail;
	tcp_rcvbuf_fit_ooo(c);
	tcp_rcvbuf_set_ooo_mem(c->rb, c->cfg.ooo_max, &s->ooo_pool);
	c->sm.max = c->cfg.sentmap_max;
	c->iss = tcp_isn(&s->cfg.secret, t, now); /* RFC 6528 */
	c->snd_una = c->snd_nxt = c->iss;
	c->ts_offset = tcp_ts_offset(&s->cfg.secret, t);
	c->peer_mss = tcp_default_peer_mss(t->family); /* RFC 9293 3.7.1: 536 or 1220 */
	c->t_maxseg = c->cfg.mss;
	/* RFC 7323 2.3: the smallest shift that lets the window cover the buffer (as large as
	 * auto-tuning may make it) */
	uint32_t rcv_most = c->cfg.rcvbuf;
	if (c->cfg.rcvbuf_auto && c->cfg.rcvbuf_max > rcv_most)
		rcv_most = c->cfg.rcvbuf_max;
	while (c->rcv_scale < 14 && (rcv_most >> c->rcv_scale) > 65535)
		c->rcv_scale++;
	tcp_rtt_init(&c->rtt, c->cfg.rto_initial, c->cfg.rto_min, c->cfg.rto_max);
	c->cc_ops->init(&c->cc, c->t_maxseg, now);
	c->t_rexmt = c->t_persist = c->t_delack = c->t_keep = TCP_TIME_NEVER;
	c->t_2msl = c->t_tlp = c->t_rack = TCP_TIME_NEVER;
	c->deadline = TCP_TIME_NEVER;
	c->persist_since = c->last_oow_ack = TCP_TIME_NEVER;
	c->last_rcv = now;
	tcp_list_init(&c->out_link);
	tcp_list_init(&c->ev_link);
	tcp_list_init(&c->tw_link);
	return c;
fail:
	tcp_sndbuf_free(c->sb);
	tcp_rcvbuf_free(c->rb);
	tcp_sentmap_free(&c->sm);
	free(c);
	return NULL;
}

void tcp_conn_destroy(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	if (c->listener)
		tcp_listener_conn_gone(c);
	tcp_conn_orphan_end(c);
	tcp_stack_unlink(s, c);
	tcp_sndbuf_free(c->sb);
	tcp_rcvbuf_free(c->rb);
	tcp_sentmap_free(&c->sm);
	s->st.conns_freed++;
	free(c);
}

void tcp_conn_set_state(struct tcp_conn *c, enum tcp_state st)
{
	c->state = st;
}

void tcp_conn_closed(struct tcp_conn *c, int err)
{
	if (err && !c->error)
		c->error = err;
	c->state = TCP_CLOSED;
	c->t_rexmt = c->t_persist = c->t_delack = c->t_keep = TCP_TIME_NEVER;
	c->t_2msl = c->t_tlp = c->t_rack = TCP_TIME_NEVER;
	c->syn_pending = c->ack_now = c->probe_pending = c->keep_probe = c->tlp_pending = false;
	tcp_conn_orphan_end(c);
	tcp_list_remove(&c->tw_link);
	tcp_conn_touch(c);
}

void tcp_conn_orphan_end(struct tcp_conn *c)
{
	if (!c->orphan_counted)
		return;
	c->orphan_counted = false;
	c->stack->norphans--;
}

void tcp_conn_shrink(struct tcp_conn *c)
{
	tcp_sndbuf_release(c->sb);
	tcp_sentmap_release(&c->sm);
	if (c->orphan)
		tcp_rcvbuf_release(c->rb);
}

bool tcp_conn_reap(struct tcp_conn *c)
{
	if (c->state != TCP_CLOSED || c->app_ref || c->rst_pending)
		return false;
	tcp_conn_destroy(c);
	return true;
}

/* MSS for data we send: the peer's MSS option bounded by ours, less the timestamp option
 * (RFC 9293 3.7.1: options reduce the data a segment may carry). */
void tcp_conn_update_maxseg(struct tcp_conn *c)
{
	uint32_t m = c->peer_mss < c->cfg.mss ? c->peer_mss : c->cfg.mss;
	if (c->pmtu_mss && c->pmtu_mss < m)
		m = c->pmtu_mss;
	if (c->ts_ok)
		m -= 12;
	if (m < 32)
		m = 32;
	c->t_maxseg = (uint16_t)m;
}

void tcp_conn_syn_options(struct tcp_conn *c, const struct tcp_hdr *h, bool syn_ack)
{
	const struct tcp_opts *o = &h->opts;
	if (o->present & TCP_OPT_F_MSS && o->mss >= 64)
		c->peer_mss = o->mss;
	/* RFC 7323 2.2: scaling only when both sides sent the option */
	c->ws_ok = c->cfg.wscale && (o->present & TCP_OPT_F_WSCALE);
	if (c->ws_ok) {
		c->snd_scale = o->wscale > 14 ? 14 : o->wscale; /* RFC 7323 2.3 */
	} else {
		c->snd_scale = 0;
		c->rcv_scale = 0;
	}
	c->sack_ok = c->cfg.sack && (o->present & TCP_OPT_F_SACKOK);
	c->ts_ok = c->cfg.timestamps && (o->present & TCP_OPT_F_TS);
	if (c->ts_ok) {
		c->ts_recent = o->ts_val;
		c->ts_recent_age = 0;
	}
	(void)syn_ack;
	tcp_conn_update_maxseg(c);
	c->cc.smss = c->t_maxseg;
}

void tcp_conn_established(struct tcp_conn *c, tcp_time_t now)
{
	c->state = TCP_ESTABLISHED;
	c->syn_pending = false;
	c->recover = c->snd_una;
	c->rack_fack = c->snd_una;
	c->t_rexmt = TCP_TIME_NEVER;
	c->rexmt_shift = 0;
	tcp_rtt_reset_backoff(&c->rtt);
	/* RFC 5681 3.1: the initial window from the negotiated SMSS */
	c->cc_ops->init(&c->cc, c->t_maxseg, now);
	c->stack->st.conns_established++;
	tcp_timer_keep_reset(c, now);
	if (c->listener)
		tcp_listener_conn_ready(c);
	tcp_conn_touch(c);
}

struct tcp_conn *tcp_connect(struct tcp_stack *s, const struct tcp_tuple *t,
			     const struct tcp_config *cfg, tcp_time_t now, int *err)
{
	struct tcp_config def;
	int e = 0;
	struct tcp_conn *c = NULL;
	if (!cfg) {
		tcp_config_default(&def);
		cfg = &def;
	}
	if (!t->rport || !t->lport ||
	    (t->family == TCP_AF_INET6 ? tcp_addr6_bad(&t->raddr6) || tcp_addr6_bad(&t->laddr6)
				       : !t->raddr) ||
	    t->family > TCP_AF_INET6) {
		e = EINVAL;
		goto out;
	}
	s->now = now;
	if (tcp_stack_lookup(s, t)) {
		e = EADDRINUSE;
		goto out;
	}
	if (!tcp_stack_conn_room(s)) {
		e = ENOMEM;
		goto out;
	}
	c = tcp_conn_new(s, t, cfg, now);
	if (!c || tcp_stack_insert(s, c) < 0) {
		if (c)
			tcp_conn_destroy(c);
		c = NULL;
		e = ENOMEM;
		goto out;
	}
	c->app_ref = true;
	c->state = TCP_SYN_SENT;
	c->syn_pending = true;
	tcp_sndbuf_reset(c->sb, c->iss + 1);
	s->st.active_opens++;
	tcp_conn_touch(c);
out:
	if (err)
		*err = e;
	return c;
}

static bool can_send_state(const struct tcp_conn *c)
{
	return c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT;
}

static ssize_t send_error(const struct tcp_conn *c)
{
	if (c->error)
		return -c->error;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED)
		return -ENOTCONN;
	if (c->fin_queued || !can_send_state(c))
		return -EPIPE;
	return 0;
}

ssize_t tcp_send(struct tcp_conn *c, const void *buf, size_t len)
{
	ssize_t e = send_error(c);
	if (e)
		return e;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	size_t n = tcp_sndbuf_append(c->sb, buf, len);
	if (!n && len)
		return -EAGAIN;
	tcp_conn_touch(c);
	return (ssize_t)n;
}

ssize_t tcp_send_space(struct tcp_conn *c, size_t len, uint8_t *p[2], uint32_t plen[2])
{
	ssize_t e = send_error(c);
	if (e)
		return e;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	uint32_t n = tcp_sndbuf_space_at(c->sb, len, p, plen);
	if (!n && len)
		return -EAGAIN;
	return (ssize_t)n;
}

void tcp_send_commit(struct tcp_conn *c, uint32_t n)
{
	if (!n) {
		tcp_sndbuf_release(c->sb); /* an empty buffer keeps no ring it grew for nothing */
		return;
	}
	tcp_sndbuf_commit(c->sb, n);
	tcp_conn_touch(c);
}

ssize_t tcp_send_ext(struct tcp_conn *c, uint32_t len, uint64_t tag, uint64_t tag_off)
{
	ssize_t e = send_error(c);
	if (e)
		return e;
	if (!len)
		return 0;
	uint32_t n = tcp_sndbuf_append_ext(c->sb, len, tag, tag_off);
	if (!n)
		return -EAGAIN;
	tcp_conn_touch(c);
	return (ssize_t)n;
}

/* Window update after the application read (RFC 9293 3.8.6.2.2 receiver SWS avoidance):
 * announce when the right edge moves by min(rcvbuf/2, 2*MSS) or more. */
static void maybe_window_update(struct tcp_conn *c)
{
	uint32_t win = tcp_rcvbuf_window(c->rb);
	uint32_t edge = c->rcv_nxt + win;
	uint32_t step = c->cfg.rcvbuf / 2 < 2u * c->cfg.mss ? c->cfg.rcvbuf / 2 : 2u * c->cfg.mss;
	if (SEQ_GT(edge, c->rcv_adv) && edge - c->rcv_adv >= step)
		c->ack_now = true;
}

ssize_t tcp_recv(struct tcp_conn *c, void *buf, size_t len)
{
	size_t n = tcp_rcvbuf_read(c->rb, buf, len);
	if (n) {
		if (c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED &&
		    c->state != TCP_CLOSED && !c->fin_rcvd)
			maybe_window_update(c);
		tcp_conn_touch(c);
		return (ssize_t)n;
	}
	if (!len && tcp_rcvbuf_readable(c->rb))
		return 0;
	if (c->error)
		return -c->error;
	if (c->fin_rcvd || c->state == TCP_CLOSED)
		return 0;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED)
		return -EAGAIN;
	return -EAGAIN;
}

int tcp_shutdown(struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_SYN_SENT:
		tcp_conn_closed(c, 0);
		return 0;
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (c->fin_queued)
			return 0;
		c->fin_queued = true;
		c->fin_seq = tcp_sndbuf_tail(c->sb);
		/* RFC 9293 3.10.4: FIN_WAIT_1 / LAST_ACK once the FIN is queued */
		if (c->state == TCP_CLOSE_WAIT)
			c->state = TCP_LAST_ACK;
		else if (c->state == TCP_ESTABLISHED)
			c->state = TCP_FIN_WAIT_1;
		tcp_conn_touch(c);
		return 0;
	default:
		return c->error ? -c->error : -ENOTCONN;
	}
}

/* RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> when synchronized, then CLOSED. */
static void abort_conn(struct tcp_conn *c, int err)
{
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		c->rst_pending = true;
		break;
	default:
		break;
	}
	tcp_conn_closed(c, err);
}

static void release_handle(struct tcp_conn *c)
{
	c->app_ref = false;
	c->user = NULL;
	tcp_list_remove(&c->ev_link);
}

/* The application's close (RFC 9293 3.10.4): from now on the connection is an orphan. */
static void app_close(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;

	if (c->orphan)
		return;
	c->orphan = true;
	switch (c->state) {
	case TCP_CLOSED:
		return;
	case TCP_SYN_SENT:
		tcp_conn_closed(c, 0);
		return;
	default:
		break;
	}
	/* RFC 9293 3.10.4 / RFC 2525 2.17: closing with unread data resets the connection */
	if (tcp_rcvbuf_readable(c->rb)) {
		abort_conn(c, 0);
		return;
	}
	tcp_shutdown(c);
	if (c->state == TCP_TIME_WAIT)
		return;
	c->orphan_counted = true;
	s->norphans++;
	/* Linux tcp_close -> tcp_check_oom: past the orphan limit the connection is reset */
	if (s->cfg.max_orphans && s->norphans > s->cfg.max_orphans) {
		s->st.orphan_resets++;
		abort_conn(c, 0);
		return;
	}
	tcp_timer_fin_wait_2(c, s->now);
	tcp_conn_shrink(c);
	tcp_conn_touch(c);
}

void tcp_close(struct tcp_conn *c)
{
	release_handle(c);
	app_close(c);
	tcp_conn_reap(c);
}

void tcp_close_keep(struct tcp_conn *c)
{
	app_close(c);
}

void tcp_abort(struct tcp_conn *c)
{
	release_handle(c);
	c->orphan = true;
	abort_conn(c, 0);
	tcp_conn_reap(c);
}

void tcp_conn_orphan_data(struct tcp_conn *c)
{
	tcp_stack_drop(c->stack, TCP_DROP_ORPHAN_DATA);
	abort_conn(c, ECONNRESET);
}

void tcp_ext_sent(struct tcp_conn *c, uint32_t seq, uint32_t end, tcp_time_t now,
		  tcp_time_t nic_queue_delay)
{
	tcp_time_t at = now > nic_queue_delay ? now - nic_queue_delay : now;
	/* A NIC echo can arrive after a RST closed the connection (or TIME-WAIT began): nothing
	 * is outstanding then and no timer may be armed again. */
	if (c->state == TCP_CLOSED || c->state == TCP_TIME_WAIT)
		return;
	if (tcp_sentmap_echo(&c->sm, seq, end, at)) {
		tcp_timer_arm_rexmt(c, now);
		tcp_timer_arm_tlp(c, now);
		tcp_conn_touch(c);
	}
}

uint32_t tcp_conn_events(const struct tcp_conn *c)
{
	uint32_t ev = 0;
	bool synced = c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED;
	if (tcp_rcvbuf_readable(c->rb) || c->error || (synced && c->fin_rcvd) ||
	    c->state == TCP_CLOSED)
		ev |= TCP_EV_READABLE;
	if ((c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT) && !c->fin_queued &&
	    tcp_sndbuf_space(c->sb) > 0)
		ev |= TCP_EV_WRITABLE;
	if (synced && c->state != TCP_CLOSED)
		ev |= TCP_EV_CONNECTED;
	if (c->fin_rcvd && !tcp_rcvbuf_readable(c->rb))
		ev |= TCP_EV_HUP;
	if (c->state == TCP_CLOSED || c->state == TCP_TIME_WAIT)
		ev |= TCP_EV_CLOSED;
	if (c->error)
		ev |= TCP_EV_ERROR | TCP_EV_WRITABLE;
	return ev;
}

int tcp_conn_error(const struct tcp_conn *c)
{
	return c->error;
}

enum tcp_state tcp_conn_state(const struct tcp_conn *c)
{
	return c->state;
}

const struct tcp_tuple *tcp_conn_tuple(const struct tcp_conn *c)
{
	return &c->t;
}

void tcp_conn_ext_deferred(struct tcp_conn *c, uint32_t end)
{
	if (!c->deferred_set || SEQ_GT(end, c->deferred_end))
		c->deferred_end = end;
	c->deferred_set = true;
	c->undo_eifel = false;
}

void tcp_conn_snd_seqs(const struct tcp_conn *c, uint32_t *snd_una, uint32_t *snd_nxt)
{
	*snd_una = c->snd_una;
	*snd_nxt = c->snd_nxt;
}

void tcp_conn_info(const struct tcp_conn *c, struct tcp_conn_info *i)
{
	memset(i, 0, sizeof(*i));
	i->state = c->state;
	i->snd_una = c->snd_una;
	i->snd_nxt = c->snd_nxt;
	i->snd_wnd = c->snd_wnd;
	i->rcv_nxt = c->rcv_nxt;
	i->rcv_wnd = c->rcv_adv - c->rcv_nxt;
	i->cwnd = c->cc.cwnd;
	i->ssthresh = c->cc.ssthresh;
	i->mss = c->t_maxseg;
	i->in_flight = tcp_conn_pipe(c);
	i->srtt = c->rtt.srtt;
	i->rttvar = c->rtt.rttvar;
	i->rto = tcp_rtt_rto(&c->rtt);
	i->min_rtt = c->rtt.min_rtt;
	i->retrans_segs = c->retrans_segs;
	i->retrans_bytes = c->retrans_bytes;
	i->rto_timeouts = c->rto_timeouts;
	i->fast_recoveries = c->fast_recoveries;
	i->bytes_acked = c->bytes_acked;
	i->bytes_received = c->bytes_received;
	i->dsacks_rcvd = c->dsacks_rcvd;
	i->dsacks_sent = c->dsacks_sent;
	i->undos = c->undos;
	i->sndbuf = c->cfg.sndbuf;
	i->rcvbuf = c->cfg.rcvbuf;
	i->reo_wnd_mult = c->rack_reo_wnd_mult ? c->rack_reo_wnd_mult : 1;
	i->reordering_seen = c->rack_reordering_seen;
	i->reordering = c->reordering;
	i->reo_wnd = tcp_rack_reo_wnd(c);
	i->sack_ok = c->sack_ok;
	i->ts_ok = c->ts_ok;
	i->orphan = c->orphan;
	i->sentmap_entries = c->sm.len;
	i->ooo_bytes = tcp_rcvbuf_ooo_mem(c->rb);
	i->snd_wscale = c->snd_scale;
	i->rcv_wscale = c->rcv_scale;
	i->cc = c->cc_ops->name;
}

void tcp_conn_set_user(struct tcp_conn *c, void *user)
{
	c->user = user;
}

void *tcp_conn_user(const struct tcp_conn *c)
{
	return c->user;
}

uint32_t tcp_conn_send_space(const struct tcp_conn *c)
{
	return tcp_sndbuf_space(c->sb);
}

uint32_t tcp_conn_readable(const struct tcp_conn *c)
{
	return tcp_rcvbuf_readable(c->rb);
}

uint32_t tcp_conn_snd_tail(const struct tcp_conn *c)
{
	return tcp_sndbuf_tail(c->sb);
}

int tcp_conn_set_nodelay(struct tcp_conn *c, bool on)
{
	c->cfg.nodelay = on;
	tcp_conn_touch(c);
	return 0;
}

int tcp_conn_set_cc(struct tcp_conn *c, const char *name, tcp_time_t now)
{
	const struct tcp_cc_ops *ops = tcp_cc_find(name);
	if (!ops)
		return -EINVAL;
	uint32_t cwnd = c->cc.cwnd, ssthresh = c->cc.ssthresh;
	c->cc_ops = ops;
	ops->init(&c->cc, c->t_maxseg, now);
	if (c->state >= TCP_ESTABLISHED) { /* keep the current windows */
		c->cc.cwnd = cwnd;
		c->cc.ssthresh = ssthresh;
	}
	strncpy(c->cfg.cc, name, sizeof(c->cfg.cc) - 1);
	return 0;
}
