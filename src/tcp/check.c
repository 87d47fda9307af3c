/* SPDX-License-Identifier: BSD-2-Clause */
/* Invariant checks of the TCP core (docs/limits.md, util/invariant.h). The stack calls
 * tcp_conn_check() after every input, output and timer run of a connection when
 * invariants_enabled() (sanitizer and fuzz builds), so that tests and fuzzers stop at the first
 * inconsistency, not at a crash much later. Each check returns NULL or the condition that does
 * not hold. */
#include "tcp/tcb.h"

#define REQUIRE(cond)                                                                     \
	do {                                                                              \
		if (!(cond))                                                              \
			return #cond;                                                     \
	} while (0)

static tcp_time_t tmin(tcp_time_t a, tcp_time_t b)
{
	return a < b ? a : b;
}

/* The sent map: ordered, contiguous, from snd_una to snd_nxt; its byte counters match its
 * flags; the lost hint and the highest SACKed sequence hold. */
static const char *check_sentmap(const struct tcp_conn *c, bool synced)
{
	const struct tcp_sentmap *sm = &c->sm;
	uint32_t sacked = 0, lost = 0, retx = 0;

	REQUIRE(sm->head + sm->len <= sm->cap);
	for (uint32_t i = 0; i < sm->len; i++) {
		const struct tcp_sent *e = tcp_sentmap_at(sm, i);
		REQUIRE(SEQ_LT(e->seq, e->end));
		if (i + 1 < sm->len)
			REQUIRE(e->end == tcp_sentmap_at(sm, i + 1)->seq);
		if (e->flags & TCP_SENT_SACKED) {
			REQUIRE(!(e->flags & (TCP_SENT_LOST | TCP_SENT_RETX)));
			REQUIRE(SEQ_LEQ(e->end, sm->high_sacked));
			sacked += e->end - e->seq;
			continue;
		}
		if (e->flags & TCP_SENT_LOST)
			lost += e->end - e->seq;
		if (e->flags & TCP_SENT_RETX)
			retx += e->end - e->seq;
		if (i < sm->lost_hint)
			REQUIRE((e->flags & (TCP_SENT_LOST | TCP_SENT_RETX)) != TCP_SENT_LOST);
		if (e->flags & TCP_SENT_FIN)
			REQUIRE(i + 1 == sm->len);
	}
	REQUIRE(sacked == sm->sacked_bytes);
	REQUIRE(lost == sm->lost_bytes);
	REQUIRE(retx == sm->retx_bytes);
	if (!synced)
		return NULL;
	if (sm->len) {
		REQUIRE(tcp_sentmap_at(sm, 0)->seq == c->snd_una);
		REQUIRE(tcp_sentmap_at(sm, sm->len - 1)->end == c->snd_nxt);
	} else {
		REQUIRE(c->snd_una == c->snd_nxt);
	}
	return NULL;
}

/* Timers that must be armed when the connection has nothing more to send right now: else it
 * would wait forever. */
static const char *check_quiet(const struct tcp_conn *c)
{
	bool sending = c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
		       c->state == TCP_CLOSE_WAIT || c->state == TCP_CLOSING ||
		       c->state == TCP_LAST_ACK || c->state == TCP_SYN_SENT ||
		       c->state == TCP_SYN_RECEIVED;
	if (sending && c->snd_una != c->snd_nxt)
		REQUIRE(c->t_rexmt != TCP_TIME_NEVER);
	bool pending = tcp_sndbuf_tail(c->sb) != c->snd_nxt || (c->fin_queued && !c->fin_sent);
	if (sending && c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED &&
	    c->snd_una == c->snd_nxt && pending && !c->snd_wnd)
		REQUIRE(c->t_persist != TCP_TIME_NEVER);
	return NULL;
}

const char *tcp_conn_check(const struct tcp_conn *c, bool quiet)
{
	const struct tcp_stack *s = c->stack;
	tcp_time_t d = tmin(tmin(c->t_rexmt, c->t_persist), tmin(c->t_delack, c->t_keep));
	const char *why;

	d = tmin(d, tmin(c->t_2msl, tmin(c->t_tlp, c->t_rack)));
	REQUIRE(c->deadline == d);
	REQUIRE((c->heap_idx >= 0) == (d != TCP_TIME_NEVER));
	if (c->heap_idx >= 0)
		REQUIRE((size_t)c->heap_idx < s->heap_len && s->heap[c->heap_idx] == c);
	REQUIRE(!c->orphan_counted ||
		(c->orphan && c->state != TCP_CLOSED && c->state != TCP_TIME_WAIT));
	REQUIRE(tcp_list_linked(&c->tw_link) == (c->state == TCP_TIME_WAIT));
	REQUIRE(!c->embryonic || c->listener);
	if (c->state == TCP_CLOSED) {
		REQUIRE(d == TCP_TIME_NEVER);
		return NULL;
	}
	if (c->state == TCP_TIME_WAIT)
		REQUIRE(c->t_2msl != TCP_TIME_NEVER);
	if (c->orphan && c->state == TCP_FIN_WAIT_2)
		REQUIRE(c->t_2msl != TCP_TIME_NEVER);

	/* send sequence space: snd_una <= snd_nxt (= snd_max: it never moves back) <= the
	 * data queued (+ SYN + FIN) */
	bool syn_acked = c->snd_una != c->iss;
	REQUIRE(SEQ_LEQ(c->snd_una, c->snd_nxt));
	REQUIRE(SEQ_LEQ(c->snd_nxt, tcp_sndbuf_tail(c->sb) + (c->fin_sent ? 1u : 0u)));
	uint32_t head = tcp_sndbuf_head(c->sb);
	REQUIRE(head == c->snd_una || (!syn_acked && head == c->iss + 1) ||
		(c->fin_sent && head == c->snd_una - 1 && head == tcp_sndbuf_tail(c->sb)));
	if (c->fin_queued)
		REQUIRE(c->fin_seq == tcp_sndbuf_tail(c->sb));
	why = check_sentmap(c, syn_acked && c->state != TCP_SYN_SENT);
	if (why)
		return why;

	/* receive side */
	if (c->state != TCP_SYN_SENT) {
		REQUIRE(c->rcv_nxt == tcp_rcvbuf_nxt(c->rb) + (c->fin_rcvd ? 1u : 0u));
		REQUIRE(tcp_rcvbuf_check(c->rb));
	}

	/* counters within their bounds */
	REQUIRE(c->cc.cwnd > 0 && c->cc.cwnd <= TCP_CC_CWND_MAX);
	REQUIRE(c->rexmt_shift <= c->cfg.data_retries + 1);
	REQUIRE(!c->in_recovery || SEQ_LEQ(c->recover, c->snd_nxt));
	REQUIRE(c->sm.lost_bytes + c->sm.sacked_bytes <= c->snd_nxt - c->snd_una);
	return quiet ? check_quiet(c) : NULL;
}

const char *tcp_stack_check(const struct tcp_stack *s)
{
	size_t n = 0, orphans = 0;
	uint64_t ooo = 0;

	for (size_t b = 0; b < s->nbuckets; b++)
		for (const struct tcp_conn *c = s->buckets[b]; c; c = c->hnext) {
			const char *why = tcp_conn_check(c, false);
			if (why)
				return why;
			n++;
			orphans += c->orphan_counted;
			ooo += tcp_rcvbuf_ooo_mem(c->rb);
		}
	for (size_t i = 1; i < s->heap_len; i++)
		REQUIRE(s->heap[(i - 1) / 2]->deadline <= s->heap[i]->deadline);
	REQUIRE(n == s->nconns);
	REQUIRE(orphans == s->norphans);
	REQUIRE(ooo == s->ooo_pool.used && ooo <= s->ooo_pool.max);
	return NULL;
}
