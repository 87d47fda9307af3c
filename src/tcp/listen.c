/* SPDX-License-Identifier: BSD-2-Clause */
/* Passive open: listeners, accept queues, backlog and SYN cookies (RFC 9293 3.10.7.2 LISTEN,
 * RFC 4987 section 3.6). */
#include <errno.h>
#include <stdlib.h>

#include "tcp/syncookie.h"
#include "tcp/tcb.h"
#include "tcp/tuple.h"

static bool listener_is_any(const struct tcp_listener *l)
{
	return l->family == TCP_AF_INET && !l->addr;
}

/* Bound to exactly this family and address. */
static bool listener_is(const struct tcp_listener *l, uint8_t family, uint32_t addr,
			const struct ipv6_addr *addr6)
{
	if (l->family != family)
		return false;
	return family == TCP_AF_INET ? l->addr == addr : ipv6_addr_equal(&l->addr6, addr6);
}

struct tcp_listener *tcp_listener_find(const struct tcp_stack *s, const struct tcp_tuple *t)
{
	struct tcp_listener *any = NULL;
	for (struct tcp_listener *l = s->listeners; l; l = l->next) {
		if (l->port != t->lport)
			continue;
		if (listener_is(l, t->family, t->laddr, &t->laddr6))
			return l;
		if (listener_is_any(l))
			any = l;
	}
	return any;
}

static struct tcp_listener *listen_on(struct tcp_stack *s, uint8_t family, uint32_t addr,
				      const struct ipv6_addr *addr6, uint16_t port,
				      uint32_t backlog, const struct tcp_config *cfg, int *err)
{
	struct tcp_listener *l = NULL;
	int e = 0;
	if (!port) {
		e = EINVAL;
		goto out;
	}
	for (l = s->listeners; l; l = l->next) {
		if (l->port == port && listener_is(l, family, addr, addr6)) {
			l = NULL;
			e = EADDRINUSE;
			goto out;
		}
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		e = ENOMEM;
		goto out;
	}
	l->stack = s;
	l->family = family;
	l->addr = addr;
	if (family == TCP_AF_INET6)
		l->addr6 = *addr6;
	l->port = port;
	l->backlog = backlog ? backlog : 1;
	if (cfg)
		l->cfg = *cfg;
	else
		tcp_config_default(&l->cfg);
	tcp_list_init(&l->ev_link);
	l->next = s->listeners;
	s->listeners = l;
out:
	if (err)
		*err = e;
	return l;
}

struct tcp_listener *tcp_listen(struct tcp_stack *s, uint32_t addr, uint16_t port,
				uint32_t backlog, const struct tcp_config *cfg, int *err)
{
	return listen_on(s, TCP_AF_INET, addr, NULL, port, backlog, cfg, err);
}

struct tcp_listener *tcp_listen6(struct tcp_stack *s, const struct ipv6_addr *addr, uint16_t port,
				 uint32_t backlog, const struct tcp_config *cfg, int *err)
{
	/* [::] is the dual-stack wildcard, the same listener as tcp_listen(0) (a Linux socket
	 * bound to [::] with IPV6_V6ONLY off). */
	if (ipv6_addr_is_unspecified(addr))
		return listen_on(s, TCP_AF_INET, 0, NULL, port, backlog, cfg, err);
	if (tcp_addr6_bad(addr)) {
		if (err)
			*err = EINVAL;
		return NULL;
	}
	return listen_on(s, TCP_AF_INET6, 0, addr, port, backlog, cfg, err);
}

void tcp_listener_set_user(struct tcp_listener *l, void *user)
{
	l->user = user;
}

static void listener_event(struct tcp_listener *l)
{
	if (!tcp_list_linked(&l->ev_link))
		tcp_list_push(&l->stack->levq, &l->ev_link);
}

void tcp_listener_conn_ready(struct tcp_conn *c)
{
	struct tcp_listener *l = c->listener;
	if (c->in_accept_q)
		return;
	if (c->embryonic) { /* a cookie connection never was in the SYN queue */
		c->embryonic = false;
		l->embryonic--;
	}
	c->in_accept_q = true;
	c->aq_next = NULL;
	if (l->aq_tail)
		l->aq_tail->aq_next = c;
	else
		l->aq_head = c;
	l->aq_tail = c;
	l->queued++;
	listener_event(l);
}

void tcp_listener_conn_gone(struct tcp_conn *c)
{
	struct tcp_listener *l = c->listener;
	c->listener = NULL;
	if (!c->in_accept_q) {
		if (c->embryonic) {
			c->embryonic = false;
			l->embryonic--;
		}
		return;
	}
	struct tcp_conn **pp = &l->aq_head, *prev = NULL;
	while (*pp && *pp != c) {
		prev = *pp;
		pp = &(*pp)->aq_next;
	}
	if (*pp) {
		*pp = c->aq_next;
		if (l->aq_tail == c)
			l->aq_tail = prev;
		l->queued--;
	}
	c->in_accept_q = false;
}

struct tcp_conn *tcp_accept(struct tcp_listener *l)
{
	struct tcp_conn *c = l->aq_head;
	if (!c)
		return NULL;
	l->aq_head = c->aq_next;
	if (!l->aq_head)
		l->aq_tail = NULL;
	l->queued--;
	c->in_accept_q = false;
	c->listener = NULL;
	c->aq_next = NULL;
	c->app_ref = true;
	tcp_conn_touch(c);
	return c;
}

void tcp_listener_close(struct tcp_listener *l)
{
	struct tcp_stack *s = l->stack;
	/* reset every connection not yet accepted, embryonic ones included */
	for (size_t b = 0; b < s->nbuckets; b++) {
		for (struct tcp_conn *c = s->buckets[b]; c; c = c->hnext) {
			if (c->listener != l)
				continue;
			tcp_listener_conn_gone(c);
			c->rst_pending = c->state != TCP_CLOSED;
			tcp_conn_closed(c, 0);
		}
	}
	tcp_list_remove(&l->ev_link);
	for (struct tcp_listener **pp = &s->listeners; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	free(l);
}

/* A new embryonic connection for a SYN (RFC 9293 3.10.7.2 third). */
static void syn_to_listener(struct tcp_listener *l, const struct tcp_tuple *t,
			    const struct tcp_hdr *h, tcp_time_t now)
{
	struct tcp_stack *s = l->stack;
	if (l->embryonic + l->queued >= l->backlog || !tcp_stack_conn_room(s)) {
		/* RFC 4987 3.6: backlog (or the stack's connection limit) full, answer with a SYN
		 * cookie and keep no state; cookies are accepted for a while after
		 * (tcp_synq_no_recent_overflow) */
		l->overflowed = true;
		l->last_overflow = now;
		uint16_t mss = h->opts.present & TCP_OPT_F_MSS ? h->opts.mss
								: tcp_default_peer_mss(t->family);
		uint16_t cmss = 0;
		uint32_t cookie = tcp_syncookie_make(&s->cfg.secret, t, h->seq, mss, now, &cmss);
		uint32_t wnd = l->cfg.rcvbuf > 65535 ? 65535 : l->cfg.rcvbuf;
		uint16_t our_mss = tcp_mss_for_family(l->cfg.mss, t->family);
		if (our_mss < 64)
			our_mss = 64; /* the floor tcp_conn_new's configuration check applies */
		if (tcp_stack_queue_ctl(s, t, cookie, h->seq + 1, TH_SYN | TH_ACK, our_mss,
					(uint16_t)wnd))
			s->st.cookies_sent++;
		return;
	}
	struct tcp_conn *c = tcp_conn_new(s, t, &l->cfg, now);
	if (!c || tcp_stack_insert(s, c) < 0) {
		if (c)
			tcp_conn_destroy(c);
		tcp_stack_drop(s, TCP_DROP_NO_MEM);
		return;
	}
	c->listener = l;
	c->embryonic = true;
	l->embryonic++;
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	tcp_rcvbuf_reset(c->rb, c->rcv_nxt);
	tcp_sndbuf_reset(c->sb, c->iss + 1);
	tcp_conn_syn_options(c, h, false);
	c->snd_wnd = h->wnd; /* RFC 7323 2.2: never scaled in a SYN */
	c->snd_wl1 = h->seq;
	c->state = TCP_SYN_RECEIVED;
	c->syn_pending = true;
	s->st.passive_opens++;
	tcp_conn_touch(c);
}

/* The ACK completing a SYN-cookie handshake (RFC 4987 3.6). */
static bool cookie_ack(struct tcp_listener *l, const struct tcp_tuple *t, const struct tcp_hdr *h,
		       const uint8_t *data, uint32_t len, tcp_time_t now)
{
	struct tcp_stack *s = l->stack;
	uint16_t mss = 0;
	/* Linux tcp_synq_no_recent_overflow: only while a cookie sent at the last overflow can
	 * still be valid; at other times a cookie is a forgery (24-bit MAC: brute force) */
	if (!l->overflowed || now - l->last_overflow > TCP_SYNCOOKIE_VALID)
		return false;
	if (!tcp_syncookie_check(&s->cfg.secret, t, h->seq, h->ack, now, &mss))
		return false;
	if (l->queued >= l->backlog) { /* the accept queue is full: drop, as Linux */
		tcp_stack_drop(s, TCP_DROP_LISTEN_OVERFLOW);
		return true;
	}
	if (!tcp_stack_conn_room(s)) {
		tcp_stack_drop(s, TCP_DROP_NO_MEM);
		return true;
	}
	struct tcp_conn *c = tcp_conn_new(s, t, &l->cfg, now);
	if (!c || tcp_stack_insert(s, c) < 0) {
		if (c)
			tcp_conn_destroy(c);
		tcp_stack_drop(s, TCP_DROP_NO_MEM);
		return true;
	}
	s->st.cookies_ok++;
	s->st.passive_opens++;
	c->listener = l;
	c->iss = h->ack - 1;
	c->snd_una = c->snd_nxt = h->ack;
	c->irs = h->seq - 1;
	c->rcv_nxt = c->last_ack_sent = h->seq;
	c->rcv_adv = c->rcv_nxt + (l->cfg.rcvbuf > 65535 ? 65535 : l->cfg.rcvbuf);
	tcp_rcvbuf_reset(c->rb, c->rcv_nxt);
	tcp_sndbuf_reset(c->sb, c->snd_nxt);
	/* the cookie keeps only the MSS: no window scaling, SACK or timestamps */
	c->peer_mss = mss;
	c->rcv_scale = c->snd_scale = 0;
	c->ws_ok = c->sack_ok = c->ts_ok = false;
	tcp_conn_update_maxseg(c);
	c->snd_wnd = c->max_sndwnd = h->wnd;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	c->state = TCP_SYN_RECEIVED;
	tcp_conn_established(c, now);
	if (len || (h->flags & TH_FIN))
		tcp_conn_input(c, h, data, len, now);
	return true;
}

void tcp_listen_input(struct tcp_listener *l, const struct tcp_tuple *t, const struct tcp_hdr *h,
		      const uint8_t *data, uint32_t len, tcp_time_t now)
{
	struct tcp_stack *s = l->stack;
	/* first: an incoming RST is ignored */
	if (h->flags & TH_RST) {
		tcp_stack_drop(s, TCP_DROP_STATE);
		return;
	}
	/* second: an ACK is bad unless it completes a SYN cookie: <SEQ=SEG.ACK><CTL=RST> */
	if (h->flags & TH_ACK) {
		if ((h->flags & TH_SYN) || !cookie_ack(l, t, h, data, len, now)) {
			tcp_stack_reply_rst(s, t, h, len);
			tcp_stack_drop(s, TCP_DROP_BAD_COOKIE);
		}
		return;
	}
	/* third: SYN */
	if (h->flags & TH_SYN) {
		syn_to_listener(l, t, h, now);
		return;
	}
	tcp_stack_drop(s, TCP_DROP_STATE);
}
