/* SPDX-License-Identifier: BSD-2-Clause */
/* The sent map and SACK scoreboard (RFC 6675 section 3, RFC 2018). */
#include <stdlib.h>
#include <string.h>

#include "tcp/sentmap.h"
#include "tcp/seq.h"

#define SENTMAP_CAP_MIN 64u

int tcp_sentmap_init(struct tcp_sentmap *sm)
{
	/* the entries are allocated with the first segment sent and freed when an ACK empties
	 * the map: a connection with nothing in flight holds no sent map memory (issue 13) */
	memset(sm, 0, sizeof(*sm));
	sm->max = UINT32_MAX;
	return 0;
}

void tcp_sentmap_release(struct tcp_sentmap *sm)
{
	if (sm->len)
		return;
	free(sm->e);
	sm->e = NULL;
	sm->cap = sm->head = 0;
	sm->lost_hint = 0;
}

void tcp_sentmap_free(struct tcp_sentmap *sm)
{
	free(sm->e);
	sm->e = NULL;
	sm->len = sm->cap = sm->head = 0;
}

/* Room for one more entry at the end: compact first, grow when needed. */
static int reserve_one(struct tcp_sentmap *sm)
{
	if (sm->head + sm->len < sm->cap)
		return 0;
	if (sm->head > 0 && sm->head >= sm->cap / 4) {
		memmove(sm->e, sm->e + sm->head, sm->len * sizeof(*sm->e));
		sm->head = 0;
		return 0;
	}
	uint32_t ncap = sm->cap ? sm->cap * 2 : SENTMAP_CAP_MIN;
	struct tcp_sent *n = realloc(sm->e, ncap * sizeof(*n));
	if (!n)
		return -1;
	sm->e = n;
	sm->cap = ncap;
	return 0;
}

static uint32_t ent_len(const struct tcp_sent *e)
{
	return e->end - e->seq;
}

/* Remove len bytes of entry e's accounting (it is leaving the map or shrinking). */
static void unaccount(struct tcp_sentmap *sm, const struct tcp_sent *e, uint32_t len)
{
	if (e->flags & TCP_SENT_SACKED) {
		sm->sacked_bytes -= len;
		return;
	}
	if (e->flags & TCP_SENT_LOST)
		sm->lost_bytes -= len;
	if (e->flags & TCP_SENT_RETX)
		sm->retx_bytes -= len;
}

int tcp_sentmap_add(struct tcp_sentmap *sm, uint32_t seq, uint32_t end, tcp_time_t xmit,
		    uint8_t flags)
{
	if (reserve_one(sm) < 0)
		return -1;
	struct tcp_sent *e = &sm->e[sm->head + sm->len++];
	e->seq = seq;
	e->end = end;
	e->xmit = xmit;
	e->flags = flags & (TCP_SENT_FIN | TCP_SENT_ECHO_WAIT | TCP_SENT_EXT);
	return 0;
}

/* e's bytes [e->seq, end) were delivered (cumulatively when cum, else by SACK). */
static void note_covered(struct tcp_sent_acked *out, const struct tcp_sent *e, uint32_t end,
			 bool cum)
{
	uint32_t bytes = end - e->seq;
	tcp_time_t *first = cum ? &out->rtt_xmit_first : &out->rtt_xmit_first_sack;
	if (!(e->flags & (TCP_SENT_EVER_RETX | TCP_SENT_ECHO_WAIT)) && e->xmit < *first)
		*first = e->xmit;
	out->bytes += bytes;
	if (!(e->flags & TCP_SENT_EVER_RETX) && (!out->orig || SEQ_LT(e->seq, out->orig_seq))) {
		out->orig = true;
		out->orig_seq = e->seq;
		out->orig_xmit = (e->flags & TCP_SENT_ECHO_WAIT) ? TCP_TIME_NEVER : e->xmit;
	}
	if (!(e->flags & (TCP_SENT_EVER_RETX | TCP_SENT_ECHO_WAIT)) &&
	    (out->rtt_xmit == TCP_TIME_NEVER || e->xmit > out->rtt_xmit))
		out->rtt_xmit = e->xmit;

	if (!(e->flags & TCP_SENT_ECHO_WAIT) && e->xmit >= out->last_xmit) {
		out->last_xmit = e->xmit;
		out->last_end = end; /* RFC 8985 RACK.end_seq: what was delivered, not the rest of
				      * an entry a partial ACK cut (its unacked tail was sent at the
				      * same time and must not count as sent before it) */
		out->last_retx = (e->flags & TCP_SENT_EVER_RETX) != 0;
	}
}

void tcp_sentmap_ack(struct tcp_sentmap *sm, uint32_t ack, struct tcp_sent_acked *out)
{
	uint32_t removed = 0;
	while (sm->len) {
		struct tcp_sent *e = &sm->e[sm->head];
		if (SEQ_LEQ(e->end, ack)) {
			if (!(e->flags & TCP_SENT_SACKED))
				note_covered(out, e, e->end, true);
			if (e->flags & TCP_SENT_FIN)
				out->fin_acked = true;
			unaccount(sm, e, ent_len(e));
			sm->head++;
			sm->len--;
			removed++;
			continue;
		}
		if (SEQ_GT(ack, e->seq)) { /* partial: trim the front */
			uint32_t n = ack - e->seq;
			if (!(e->flags & TCP_SENT_SACKED))
				note_covered(out, e, ack, true);
			unaccount(sm, e, n);
			e->seq = ack;
		}
		break;
	}
	sm->lost_hint = sm->lost_hint > removed ? sm->lost_hint - removed : 0;
	if (!sm->len)
		tcp_sentmap_release(sm);
}

int tcp_sentmap_split(struct tcp_sentmap *sm, uint32_t i, uint32_t seq)
{
	if (reserve_one(sm) < 0)
		return -1;
	struct tcp_sent *e = &sm->e[sm->head + i];
	memmove(e + 1, e, (sm->len - i) * sizeof(*e));
	sm->len++;
	/* e keeps [seq0, seq), e+1 gets [seq, end); flags and counters are per byte */
	e->end = seq;
	e[1].seq = seq;
	e->flags &= (uint8_t)~TCP_SENT_FIN;
	return 0;
}

/* First index whose end is above seq (binary search; entries are ordered and disjoint). */
static uint32_t find_index(const struct tcp_sentmap *sm, uint32_t seq)
{
	uint32_t lo = 0, hi = sm->len;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (SEQ_LEQ(sm->e[sm->head + mid].end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Remove entry i (already merged into a neighbour). */
static void remove_at(struct tcp_sentmap *sm, uint32_t i)
{
	struct tcp_sent *e = &sm->e[sm->head + i];
	memmove(e, e + 1, (sm->len - i - 1) * sizeof(*e));
	sm->len--;
	if (i < sm->lost_hint)
		sm->lost_hint--;
}

/* Entry i was just SACKed: merge it with SACKed neighbours (only what SACK needs of them is
 * kept: the range and FIN). Returns its index afterwards. */
static uint32_t merge_sacked(struct tcp_sentmap *sm, uint32_t i)
{
	struct tcp_sent *e = &sm->e[sm->head + i];
	if (i + 1 < sm->len && (e[1].flags & TCP_SENT_SACKED)) {
		e->end = e[1].end;
		e->flags |= e[1].flags & TCP_SENT_FIN;
		remove_at(sm, i + 1);
	}
	if (i > 0 && (e[-1].flags & TCP_SENT_SACKED)) {
		e[-1].end = e->end;
		e[-1].flags |= e->flags & TCP_SENT_FIN;
		remove_at(sm, i);
		i--;
	}
	return i;
}

/* Linux tcp_match_skb_to_sack: the part [lo, hi) of entry i (offsets from its start) that a
 * block [start, end) covers in whole segments of mss bytes, or in full up to the entry's end. */
static bool sack_part(const struct tcp_sent *e, uint32_t start, uint32_t end, uint32_t mss,
		      uint32_t *lo, uint32_t *hi)
{
	uint32_t len = ent_len(e);
	*lo = 0;
	*hi = len;
	if (SEQ_LT(e->seq, start))
		*lo = ((start - e->seq + mss - 1) / mss) * mss; /* up to a segment start */
	if (SEQ_LT(end, e->end))
		*hi = ((end - e->seq) / mss) * mss;              /* down to a segment end */
	return *lo < *hi;
}

void tcp_sentmap_sack(struct tcp_sentmap *sm, const struct tcp_sack_block *b, int n, uint32_t mss,
		      struct tcp_sent_acked *out)
{
	if (!mss)
		mss = 1;
	for (int k = 0; k < n; k++) {
		uint32_t start = b[k].start, end = b[k].end;
		if (!sm->len || !SEQ_LT(start, end))
			continue;
		const struct tcp_sent *first = &sm->e[sm->head];
		const struct tcp_sent *last = &sm->e[sm->head + sm->len - 1];
		/* RFC 2018 section 4 / RFC 6675: ignore blocks outside what is outstanding */
		if (SEQ_LEQ(end, first->seq) || SEQ_GEQ(start, last->end))
			continue;
		start = seq_max(start, first->seq);
		end = seq_min(end, last->end);
		for (uint32_t i = find_index(sm, start); i < sm->len; i++) {
			struct tcp_sent *e = &sm->e[sm->head + i];
			uint32_t lo, hi;
			if (SEQ_GEQ(e->seq, end))
				break;
			if ((e->flags & TCP_SENT_SACKED) || !sack_part(e, start, end, mss, &lo, &hi))
				continue;
			uint32_t splits = (lo > 0) + (hi < ent_len(e));
			if (splits && sm->len + splits > sm->max)
				continue; /* at the entry limit: the data will be retransmitted */
			if (hi < ent_len(e) && tcp_sentmap_split(sm, i, e->seq + hi) < 0)
				return;
			e = &sm->e[sm->head + i];
			if (lo > 0) {
				if (tcp_sentmap_split(sm, i, e->seq + lo) < 0)
					return;
				e = &sm->e[sm->head + ++i];
			}
			note_covered(out, e, e->end, false);
			unaccount(sm, e, ent_len(e));
			e->flags |= TCP_SENT_SACKED;
			e->flags &= (uint8_t)~(TCP_SENT_LOST | TCP_SENT_RETX);
			sm->sacked_bytes += ent_len(e);
			if (sm->sacked_bytes == ent_len(e) || SEQ_GT(e->end, sm->high_sacked))
				sm->high_sacked = e->end;
			i = merge_sacked(sm, i);
		}
	}
}

void tcp_sentmap_clear_sacks(struct tcp_sentmap *sm)
{
	for (uint32_t i = 0; i < sm->len; i++)
		sm->e[sm->head + i].flags &= (uint8_t)~TCP_SENT_SACKED;
	sm->sacked_bytes = 0;
}

bool tcp_sentmap_merge_lost(struct tcp_sentmap *sm, uint32_t i, uint32_t max)
{
	const uint8_t want = TCP_SENT_LOST, mask = TCP_SENT_LOST | TCP_SENT_RETX | TCP_SENT_SACKED;
	if (i + 1 >= sm->len)
		return false;
	struct tcp_sent *e = &sm->e[sm->head + i];
	if ((e->flags & mask) != want || (e[1].flags & mask) != want ||
	    (e->flags & TCP_SENT_FIN) || ((e->flags ^ e[1].flags) & TCP_SENT_EXT) ||
	    e[1].end - e->seq > max)
		return false;
	e->end = e[1].end;
	e->flags |= e[1].flags & (TCP_SENT_FIN | TCP_SENT_EVER_RETX | TCP_SENT_ECHO_WAIT);
	if (e[1].xmit > e->xmit)
		e->xmit = e[1].xmit;
	remove_at(sm, i + 1);
	return true;
}

void tcp_sentmap_mark_lost(struct tcp_sentmap *sm, uint32_t i)
{
	struct tcp_sent *e = &sm->e[sm->head + i];
	if (e->flags & TCP_SENT_SACKED)
		return;
	if (e->flags & TCP_SENT_RETX) {
		sm->retx_bytes -= ent_len(e);
		e->flags &= (uint8_t)~TCP_SENT_RETX;
	}
	if (!(e->flags & TCP_SENT_LOST)) {
		sm->lost_bytes += ent_len(e);
		e->flags |= TCP_SENT_LOST;
	}
	if (i < sm->lost_hint)
		sm->lost_hint = i;
}

uint32_t tcp_sentmap_update_lost(struct tcp_sentmap *sm, uint32_t smss)
{
	if (!sm->sacked_bytes)
		return 0;
	uint32_t above = 0, nsacked = 0, marked = 0;
	bool prev_sacked = false;
	for (uint32_t i = find_index(sm, sm->high_sacked - 1) + 1; i-- > 0;) {
		struct tcp_sent *e = &sm->e[sm->head + i];
		if (e->flags & TCP_SENT_SACKED) {
			above += ent_len(e);
			if (!prev_sacked)
				nsacked++;
			prev_sacked = true;
			continue;
		}
		prev_sacked = false;
		if (e->flags & (TCP_SENT_LOST | TCP_SENT_RETX))
			continue; /* already handled; an in-flight retransmission is not re-marked */
		if (above > 2 * smss || nsacked >= 3) {
			tcp_sentmap_mark_lost(sm, i);
			marked += ent_len(e);
		}
	}
	return marked;
}

void tcp_sentmap_all_lost(struct tcp_sentmap *sm)
{
	sm->lost_bytes = sm->retx_bytes = 0;
	for (uint32_t i = 0; i < sm->len; i++) {
		struct tcp_sent *e = &sm->e[sm->head + i];
		e->flags &= (uint8_t)~TCP_SENT_RETX;
		if (e->flags & TCP_SENT_SACKED)
			continue;
		e->flags |= TCP_SENT_LOST;
		sm->lost_bytes += ent_len(e);
	}
	sm->lost_hint = 0;
}

void tcp_sentmap_unmark_lost(struct tcp_sentmap *sm)
{
	for (uint32_t i = 0; i < sm->len && sm->lost_bytes; i++) {
		struct tcp_sent *e = &sm->e[sm->head + i];
		if ((e->flags & (TCP_SENT_LOST | TCP_SENT_RETX | TCP_SENT_SACKED)) == TCP_SENT_LOST) {
			e->flags &= (uint8_t)~TCP_SENT_LOST;
			sm->lost_bytes -= ent_len(e);
		}
	}
}

int tcp_sentmap_next_lost(struct tcp_sentmap *sm)
{
	if (!sm->lost_bytes)
		return -1;
	for (uint32_t i = sm->lost_hint; i < sm->len; i++) {
		const struct tcp_sent *e = &sm->e[sm->head + i];
		if ((e->flags & (TCP_SENT_LOST | TCP_SENT_RETX | TCP_SENT_SACKED)) == TCP_SENT_LOST) {
			sm->lost_hint = i;
			return (int)i;
		}
	}
	sm->lost_hint = sm->len;
	return -1;
}

void tcp_sentmap_retransmitted(struct tcp_sentmap *sm, uint32_t i, tcp_time_t now)
{
	struct tcp_sent *e = &sm->e[sm->head + i];
	if (e->flags & TCP_SENT_LOST)
		sm->lost_bytes -= ent_len(e);
	if (!(e->flags & TCP_SENT_RETX))
		sm->retx_bytes += ent_len(e);
	e->flags &= (uint8_t)~TCP_SENT_LOST;
	e->flags |= TCP_SENT_RETX | TCP_SENT_EVER_RETX;
	e->xmit = now;
}

uint32_t tcp_sentmap_echo(struct tcp_sentmap *sm, uint32_t seq, uint32_t end, tcp_time_t xmit)
{
	uint32_t n = 0;
	for (uint32_t i = find_index(sm, seq); i < sm->len; i++) {
		struct tcp_sent *e = &sm->e[sm->head + i];
		if (SEQ_GEQ(e->seq, end))
			break;
		if (e->flags & TCP_SENT_ECHO_WAIT) {
			e->flags &= (uint8_t)~TCP_SENT_ECHO_WAIT;
			e->xmit = xmit;
			n++;
		}
	}
	return n;
}
