/* SPDX-License-Identifier: BSD-2-Clause */
/* The stack: flow table (demultiplexing by tuple), listeners, the timer heap, output and event
 * queues, stateless replies (RST for segments to no connection, RFC 9293 3.10.7.1; SYN-cookie
 * SYN-ACKs) and drop counters. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcb.h"
#include "tcp/tuple.h"
#include "util/invariant.h"
#include "util/siphash.h"

#define CONN_OF(link, field) ((struct tcp_conn *)((char *)(link) - offsetof(struct tcp_conn, field)))

static const char *const drop_names[TCP_DROP_MAX] = {
	[TCP_DROP_MALFORMED] = "malformed",
	[TCP_DROP_BAD_ADDR] = "bad_addr",
	[TCP_DROP_NO_CONN] = "no_conn",
	[TCP_DROP_BAD_FLAGS] = "bad_flags",
	[TCP_DROP_PAWS] = "paws",
	[TCP_DROP_OUT_OF_WINDOW] = "out_of_window",
	[TCP_DROP_BAD_ACK] = "bad_ack",
	[TCP_DROP_BAD_RST] = "bad_rst",
	[TCP_DROP_BAD_SYN] = "bad_syn",
	[TCP_DROP_LISTEN_OVERFLOW] = "listen_overflow",
	[TCP_DROP_BAD_COOKIE] = "bad_cookie",
	[TCP_DROP_NO_MEM] = "no_mem",
	[TCP_DROP_STATE] = "state",
	[TCP_DROP_CTL_QUEUE] = "ctl_queue",
	[TCP_DROP_ORPHAN_DATA] = "orphan_data",
	[TCP_DROP_OOO_LIMIT] = "ooo_limit",
};

const char *tcp_drop_name(enum tcp_drop d)
{
	return (unsigned)d < TCP_DROP_MAX ? drop_names[d] : "?";
}

/* ---- intrusive lists ---- */
void tcp_list_init(struct tcp_link *l)
{
	l->prev = l->next = l;
}

bool tcp_list_linked(const struct tcp_link *n)
{
	return n->next != n;
}

void tcp_list_remove(struct tcp_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	tcp_list_init(n);
}

void tcp_list_push(struct tcp_link *head, struct tcp_link *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

/* ---- timer heap (min-heap on conn->deadline) ---- */
static void heap_swap(struct tcp_stack *s, size_t a, size_t b)
{
	struct tcp_conn *t = s->heap[a];
	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->heap[a]->heap_idx = (int)a;
	s->heap[b]->heap_idx = (int)b;
}

static void heap_up(struct tcp_stack *s, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (s->heap[p]->deadline <= s->heap[i]->deadline)
			break;
		heap_swap(s, i, p);
		i = p;
	}
}

static void heap_down(struct tcp_stack *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->heap_len && s->heap[l]->deadline < s->heap[m]->deadline)
			m = l;
		if (r < s->heap_len && s->heap[r]->deadline < s->heap[m]->deadline)
			m = r;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void heap_remove(struct tcp_stack *s, struct tcp_conn *c)
{
	size_t i = (size_t)c->heap_idx;
	c->heap_idx = -1;
	s->heap_len--;
	if (i == s->heap_len)
		return;
	s->heap[i] = s->heap[s->heap_len];
	s->heap[i]->heap_idx = (int)i;
	heap_up(s, i);
	heap_down(s, (size_t)s->heap[i]->heap_idx);
}

void tcp_heap_update(struct tcp_stack *s, struct tcp_conn *c)
{
	if (c->deadline == TCP_TIME_NEVER) {
		if (c->heap_idx >= 0)
			heap_remove(s, c);
		return;
	}
	if (c->heap_idx < 0) {
		if (s->heap_len == s->heap_cap) {
			size_t ncap = s->heap_cap ? s->heap_cap * 2 : 64;
			struct tcp_conn **n = realloc(s->heap, ncap * sizeof(*n));
			if (!n)
				return; /* the conn will be retried on its next touch */
			s->heap = n;
			s->heap_cap = ncap;
		}
		c->heap_idx = (int)s->heap_len;
		s->heap[s->heap_len++] = c;
	}
	heap_up(s, (size_t)c->heap_idx);
	heap_down(s, (size_t)c->heap_idx);
}

/* ---- flow table ---- */
static uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t bucket_of(const struct tcp_stack *s, const struct tcp_tuple *t, size_t n)
{
	uint64_t x = ((uint64_t)t->raddr << 32 | t->laddr) ^ s->hash_key;
	if (t->family == TCP_AF_INET6) /* fold both addresses in; IPv4 pays one branch */
		x ^= load64(t->raddr6.b) ^ load64(t->raddr6.b + 8) * 0x9e3779b97f4a7c15ull ^
		     (load64(t->laddr6.b) ^ load64(t->laddr6.b + 8) * 0xc2b2ae3d27d4eb4full) *
			 0x165667b19e3779f9ull;
	x ^= ((uint64_t)t->rport << 16 | t->lport) * 0x9e3779b97f4a7c15ull;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (size_t)x & (n - 1);
}

static void table_grow(struct tcp_stack *s)
{
	size_t n = s->nbuckets * 2;
	struct tcp_conn **b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct tcp_conn *c = s->buckets[i], *next;
		for (; c; c = next) {
			next = c->hnext;
			size_t k = bucket_of(s, &c->t, n);
			c->hnext = b[k];
			b[k] = c;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
}

int tcp_stack_insert(struct tcp_stack *s, struct tcp_conn *c)
{
	if (s->nconns >= s->nbuckets)
		table_grow(s);
	size_t k = bucket_of(s, &c->t, s->nbuckets);
	c->hnext = s->buckets[k];
	s->buckets[k] = c;
	c->in_table = true;
	s->nconns++;
	return 0;
}

struct tcp_conn *tcp_stack_lookup(const struct tcp_stack *s, const struct tcp_tuple *t)
{
	for (struct tcp_conn *c = s->buckets[bucket_of(s, t, s->nbuckets)]; c; c = c->hnext)
		if (tcp_tuple_eq(&c->t, t))
			return c;
	return NULL;
}

void tcp_stack_unlink(struct tcp_stack *s, struct tcp_conn *c)
{
	if (c->in_table) {
		struct tcp_conn **pp = &s->buckets[bucket_of(s, &c->t, s->nbuckets)];
		while (*pp && *pp != c)
			pp = &(*pp)->hnext;
		if (*pp)
			*pp = c->hnext;
		c->in_table = false;
		s->nconns--;
	}
	if (c->heap_idx >= 0)
		heap_remove(s, c);
	tcp_list_remove(&c->out_link);
	tcp_list_remove(&c->ev_link);
	tcp_list_remove(&c->tw_link);
}

size_t tcp_stack_conn_count(const struct tcp_stack *s)
{
	return s->nconns;
}

size_t tcp_stack_orphan_count(const struct tcp_stack *s)
{
	return s->norphans;
}

uint64_t tcp_stack_ooo_bytes(const struct tcp_stack *s)
{
	return s->ooo_pool.used;
}

#define TW_RECYCLE_SCAN 8 /* TIME-WAIT connections looked at for one the application let go */

bool tcp_stack_conn_room(struct tcp_stack *s)
{
	if (!s->cfg.max_conns || s->nconns < s->cfg.max_conns)
		return true;
	/* Like Linux when its TIME-WAIT table is full: the oldest TIME-WAIT connection ends
	 * early (RFC 6191 discusses the risk: a very old duplicate segment) */
	struct tcp_link *n = s->twq.next;
	for (int k = 0; k < TW_RECYCLE_SCAN && n != &s->twq; k++, n = n->next) {
		struct tcp_conn *c = CONN_OF(n, tw_link);
		if (c->app_ref)
			continue;
		tcp_conn_closed(c, 0);
		if (tcp_conn_reap(c)) {
			s->st.time_wait_recycled++;
			return true;
		}
		break;
	}
	return false;
}

/* The core's invariant checks (check.c) after a connection ran, in the builds that have them. */
static void conn_checked(const struct tcp_conn *c, bool quiet)
{
	if (invariants_enabled())
		INVARIANT_OK(tcp_conn_check(c, quiet));
}

/* ---- lifecycle ---- */
struct tcp_stack *tcp_stack_new(const struct tcp_stack_config *cfg)
{
	struct tcp_stack *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *cfg;
	if (!s->cfg.challenge_ack_limit)
		s->cfg.challenge_ack_limit = 1000;
	s->ooo_pool.max = s->cfg.ooo_mem_max ? s->cfg.ooo_mem_max : UINT64_MAX;
	s->chal_second = UINT64_MAX;
	s->hash_key = siphash24(cfg->secret.key, "iotcp-flow-table", 16);
	s->nbuckets = 256;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return NULL;
	}
	tcp_list_init(&s->outq);
	tcp_list_init(&s->evq);
	tcp_list_init(&s->levq);
	tcp_list_init(&s->twq);
	return s;
}

void tcp_stack_free(struct tcp_stack *s)
{
	if (!s)
		return;
	while (s->listeners)
		tcp_listener_close(s->listeners);
	for (size_t i = 0; i < s->nbuckets; i++) {
		while (s->buckets[i]) {
			struct tcp_conn *c = s->buckets[i];
			c->listener = NULL;
			tcp_conn_destroy(c);
		}
	}
	free(s->buckets);
	free(s->heap);
	free(s);
}

void tcp_stack_drop(struct tcp_stack *s, enum tcp_drop why)
{
	s->st.drops[why]++;
}

void tcp_stack_count_drop(struct tcp_stack *s, enum tcp_drop why)
{
	if ((unsigned)why < TCP_DROP_MAX)
		s->st.drops[why]++;
}

const struct tcp_stats *tcp_stack_stats(const struct tcp_stack *s)
{
	return &s->st;
}

/* RFC 5961 section 7 with Linux's fix for CVE-2016-5696: each second's budget is drawn from
 * [limit/2, limit*3/2), so an off-path attacker cannot count how many challenge ACKs other
 * connections used. The draw is keyed by the stack's secret (no clock, no global RNG). */
bool tcp_stack_challenge_allowed(struct tcp_stack *s, tcp_time_t now)
{
	uint64_t second = now / TCP_SEC;
	if (second != s->chal_second) {
		uint32_t limit = s->cfg.challenge_ack_limit, half = (limit + 1) / 2;
		uint8_t msg[12] = {'c', 'h', 'a', 'l'};
		memcpy(msg + 4, &second, sizeof(second));
		s->chal_second = second;
		s->chal_left = half + (uint32_t)(siphash24(s->cfg.secret.key, msg, sizeof(msg)) % limit);
	}
	if (!s->chal_left)
		return false;
	s->chal_left--;
	return true;
}

/* ---- stateless replies ---- */
bool tcp_stack_queue_ctl(struct tcp_stack *s, const struct tcp_tuple *t, uint32_t seq,
			 uint32_t ack, uint8_t flags, uint16_t mss, uint16_t wnd)
{
	if (s->ctl_len == TCP_CTLQ) {
		tcp_stack_drop(s, TCP_DROP_CTL_QUEUE);
		return false;
	}
	struct tcp_ctl *q = &s->ctl[(s->ctl_head + s->ctl_len++) % TCP_CTLQ];
	q->t = *t;
	q->seq = seq;
	q->ack = ack;
	q->flags = flags;
	q->mss = mss;
	q->wnd = wnd;
	return true;
}

void tcp_stack_reply_rst(struct tcp_stack *s, const struct tcp_tuple *t, const struct tcp_hdr *h,
			 uint32_t len)
{
	if (h->flags & TH_RST)
		return; /* never answer a RST */
	if (h->flags & TH_ACK) {
		tcp_stack_queue_ctl(s, t, h->ack, 0, TH_RST, 0, 0); /* <SEQ=SEG.ACK><CTL=RST> */
		return;
	}
	/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	uint32_t seglen = len + ((h->flags & TH_SYN) ? 1 : 0) + ((h->flags & TH_FIN) ? 1 : 0);
	tcp_stack_queue_ctl(s, t, 0, h->seq + seglen, TH_RST | TH_ACK, 0, 0);
}

/* ---- conn bookkeeping ---- */
void tcp_conn_touch(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	tcp_conn_compute_deadline(c);
	tcp_heap_update(s, c);
	if (!tcp_list_linked(&c->out_link))
		tcp_list_push(&s->outq, &c->out_link);
	if (c->app_ref && !tcp_list_linked(&c->ev_link))
		tcp_list_push(&s->evq, &c->ev_link);
}

/* ---- the data path entry points ---- */
static uint64_t drops_total(const struct tcp_stack *s)
{
	uint64_t n = 0;
	for (int i = 0; i < TCP_DROP_MAX; i++)
		n += s->st.drops[i];
	return n;
}

/* A segment on tuple t (local = its destination) whose addresses were checked. */
static int input_tuple(struct tcp_stack *s, const struct tcp_tuple *t, bool bad_addr,
		       const struct tcp_hdr *h, const uint8_t *data, uint32_t len, tcp_time_t now)
{
	enum tcp_drop why;
	s->now = now;
	s->st.segs_in++;
	if (!h->sport || !h->dport || bad_addr) {
		why = TCP_DROP_BAD_ADDR;
		goto drop;
	}
	/* flag combinations no correct sender produces */
	if ((h->flags & TH_SYN) && (h->flags & (TH_RST | TH_FIN))) {
		why = TCP_DROP_BAD_FLAGS;
		goto drop;
	}
	uint64_t before = drops_total(s);
	struct tcp_conn *c = tcp_stack_lookup(s, t);
	if (c) {
		tcp_conn_input(c, h, data, len, now);
		conn_checked(c, false);
		tcp_conn_reap(c);
		return drops_total(s) == before ? 0 : -1;
	}
	struct tcp_listener *l = tcp_listener_find(s, t);
	if (l) {
		tcp_listen_input(l, t, h, data, len, now);
		return drops_total(s) == before ? 0 : -1;
	}
	/* RFC 9293 3.10.7.1: CLOSED, answer with a RST unless it is one */
	tcp_stack_reply_rst(s, t, h, len);
	why = TCP_DROP_NO_CONN;
drop:
	tcp_stack_drop(s, why);
	return -1 - (int)why;
}

int tcp_stack_input(struct tcp_stack *s, uint32_t saddr, uint32_t daddr, const struct tcp_hdr *h,
		    const uint8_t *data, uint32_t len, tcp_time_t now)
{
	struct tcp_tuple t = {.laddr = daddr, .raddr = saddr, .lport = h->dport, .rport = h->sport};
	return input_tuple(s, &t, tcp_addr4_bad(saddr) || tcp_addr4_bad(daddr), h, data, len, now);
}

int tcp_stack_input6(struct tcp_stack *s, const struct ipv6_addr *saddr,
		     const struct ipv6_addr *daddr, const struct tcp_hdr *h, const uint8_t *data,
		     uint32_t len, tcp_time_t now)
{
	struct tcp_tuple t = tcp_tuple6(daddr, h->dport, saddr, h->sport);
	return input_tuple(s, &t, tcp_addr6_bad(saddr) || tcp_addr6_bad(daddr), h, data, len, now);
}

int tcp_stack_input_raw(struct tcp_stack *s, uint32_t saddr, uint32_t daddr, const uint8_t *tcp,
			size_t len, tcp_time_t now)
{
	struct tcp_hdr h;
	int hl = tcp_hdr_decode(tcp, len, &h);
	if (hl < 0 || (size_t)hl > len || len - (size_t)hl > UINT32_MAX) {
		s->st.segs_in++;
		tcp_stack_drop(s, TCP_DROP_MALFORMED);
		return -1 - TCP_DROP_MALFORMED;
	}
	return tcp_stack_input(s, saddr, daddr, &h, tcp + hl, (uint32_t)(len - (size_t)hl), now);
}

static void ctl_output(struct tcp_stack *s, struct tcp_seg *out)
{
	struct tcp_ctl *q = &s->ctl[s->ctl_head];
	s->ctl_head = (s->ctl_head + 1) % TCP_CTLQ;
	s->ctl_len--;
	memset(out, 0, sizeof(*out));
	out->tuple = q->t;
	out->hdr.sport = q->t.lport;
	out->hdr.dport = q->t.rport;
	out->hdr.seq = q->seq;
	out->hdr.ack = q->ack;
	out->hdr.flags = q->flags;
	out->hdr.wnd = q->wnd;
	if (q->mss) {
		out->hdr.opts.present = TCP_OPT_F_MSS;
		out->hdr.opts.mss = q->mss;
	}
	out->mss = q->mss;
	s->st.segs_out++;
	if (q->flags & TH_RST)
		s->st.rsts_sent++;
}

bool tcp_stack_output(struct tcp_stack *s, struct tcp_seg *out, tcp_time_t now)
{
	s->now = now;
	if (s->ctl_len) {
		ctl_output(s, out);
		return true;
	}
	while (tcp_list_linked(&s->outq)) {
		struct tcp_conn *c = CONN_OF(s->outq.next, out_link);
		tcp_list_remove(&c->out_link);
		if (tcp_conn_output(c, out, now)) {
			if (!out->conn) {
				tcp_conn_reap(c); /* a final RST */
				return true;
			}
			/* round robin: it may have more, go to the back */
			tcp_list_push(&s->outq, &c->out_link);
			tcp_conn_compute_deadline(c);
			tcp_heap_update(s, c);
			conn_checked(c, false);
			return true;
		}
		tcp_conn_compute_deadline(c);
		tcp_heap_update(s, c);
		conn_checked(c, true);
		tcp_conn_reap(c);
	}
	return false;
}

tcp_time_t tcp_stack_deadline(const struct tcp_stack *s)
{
	return s->heap_len ? s->heap[0]->deadline : TCP_TIME_NEVER;
}

void tcp_stack_timers(struct tcp_stack *s, tcp_time_t now)
{
	/* bounded: every expired timer is cleared or moved past now by tcp_conn_timers */
	size_t budget = 4 * s->heap_len + 16;
	s->now = now;
	while (s->heap_len && s->heap[0]->deadline <= now && budget--) {
		struct tcp_conn *c = s->heap[0];
		tcp_conn_timers(c, now);
		conn_checked(c, false);
		if (tcp_conn_reap(c))
			continue;
		if (c->deadline <= now) { /* defensive: never spin on a stuck deadline */
			c->deadline = now + TCP_MSEC;
			tcp_heap_update(s, c);
		}
	}
}

bool tcp_stack_next_event(struct tcp_stack *s, struct tcp_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (tcp_list_linked(&s->levq)) {
		struct tcp_link *n = s->levq.next;
		struct tcp_listener *l =
			(struct tcp_listener *)((char *)n - offsetof(struct tcp_listener, ev_link));
		tcp_list_remove(n);
		ev->listener = l;
		ev->user = l->user;
		ev->events = l->aq_head ? TCP_EV_ACCEPT : 0;
		return true;
	}
	if (tcp_list_linked(&s->evq)) {
		struct tcp_conn *c = CONN_OF(s->evq.next, ev_link);
		tcp_list_remove(&c->ev_link);
		ev->conn = c;
		ev->user = c->user;
		ev->events = tcp_conn_events(c);
		return true;
	}
	return false;
}
