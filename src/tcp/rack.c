/* SPDX-License-Identifier: BSD-2-Clause */
/* RACK loss detection, RFC 8985 section 6: a segment is lost when a segment sent sufficiently
 * later (by more than the reordering window) has been delivered. */
#include "tcp/tcb.h"

/* Section 6.2 step 2: update RACK.xmit_ts / end_seq / rtt from the newest delivered segment. */
void tcp_rack_update(struct tcp_conn *c, const struct tcp_sent *e, tcp_time_t now)
{
	if (now < e->xmit)
		return;
	tcp_time_t rtt = now - e->xmit;
	/* a retransmitted segment acked sooner than min_rtt was delivered by its original */
	if ((e->flags & TCP_SENT_EVER_RETX) && c->rtt.has_sample && rtt < c->rtt.min_rtt)
		return;
	c->rack_rtt = rtt;
	if (e->xmit > c->rack_xmit || (e->xmit == c->rack_xmit && SEQ_GT(e->end, c->rack_end))) {
		c->rack_xmit = e->xmit;
		c->rack_end = e->end;
	}
}

/* Section 6.2 steps 4-5: mark lost what was sent before RACK.xmit_ts - reo_wnd; arm the
 * reordering timer for what may become lost. */
void tcp_rack_detect(struct tcp_conn *c, tcp_time_t now)
{
	c->t_rack = TCP_TIME_NEVER;
	if (!c->rack_xmit || !c->sm.sacked_bytes)
		return;
	tcp_time_t reo = tcp_rack_reo_wnd(c);
	tcp_time_t wait_min = TCP_TIME_NEVER;
	for (uint32_t i = 0; i < c->sm.len; i++) {
		struct tcp_sent *e = tcp_sentmap_at(&c->sm, i);
		if (SEQ_GEQ(e->seq, c->rack_end))
			break;
		if (e->flags & (TCP_SENT_SACKED | TCP_SENT_LOST | TCP_SENT_ECHO_WAIT))
			continue;
		if (e->xmit > c->rack_xmit)
			continue; /* sent after the newest delivered one (a retransmission) */
		tcp_time_t deadline = e->xmit + c->rack_rtt + reo;
		if (deadline <= now)
			tcp_sentmap_mark_lost(&c->sm, i);
		else if (deadline < wait_min)
			wait_min = deadline;
	}
	c->t_rack = wait_min;
}

#define RACK_REO_WND_PERSIST 16 /* section 6.2 step 4: recoveries a widened window lasts */
#define RACK_REO_WND_MULT_MAX 255 /* as Linux's reo_wnd_steps */
#define RACK_REORDERING_MAX 300   /* segments, as Linux's tcp_max_reordering */

/* Section 6.2 step 4, RACK_update_reo_wnd: zero before any reordering was observed while in
 * recovery or once DupThresh segments are SACKed (the RFC 6675 behaviour), else
 * min(reo_wnd_mult * min_RTT / 4, SRTT).
 *
 * min_RTT / 4 is a poor unit when the path reorders by much more than its minimum RTT (a path
 * where some packets skip a queue or a delay line: min_RTT can be a small fraction of SRTT,
 * and no number of D-SACK rounds then brings the window near the reordering actually seen).
 * So the window is also at least the reordering extent measured in time (how much later than
 * RACK would have expected a reordered, never-retransmitted segment arrived), still within
 * the RFC's bound of SRTT. */
tcp_time_t tcp_rack_reo_wnd(const struct tcp_conn *c)
{
	if (!c->rtt.has_sample)
		return 0;
	if (!c->rack_reordering_seen) {
		if (c->in_recovery || c->in_loss)
			return 0;
		if (c->sm.sacked_bytes >= 3u * c->t_maxseg)
			return 0;
	}
	uint32_t mult = c->rack_reo_wnd_mult ? c->rack_reo_wnd_mult : 1;
	tcp_time_t reo = mult * (c->rtt.min_rtt / 4);
	if (c->rack_reordering_seen && c->rack_reo_extent > reo)
		reo = c->rack_reo_extent;
	return reo < c->rtt.srtt ? reo : c->rtt.srtt;
}

void tcp_rack_reordered(struct tcp_conn *c, uint32_t dist, tcp_time_t xmit, tcp_time_t now)
{
	c->rack_reordering_seen = true;
	/* degree in segments, as Linux's tp->reordering (tcp_check_sack_reordering) */
	uint32_t segs = (dist + c->t_maxseg - 1) / c->t_maxseg;
	if (segs > RACK_REORDERING_MAX)
		segs = RACK_REORDERING_MAX;
	if (segs > c->reordering)
		c->reordering = segs;
	/* extent in time: RACK marks a segment lost RACK.rtt + reo_wnd after it was sent */
	if (xmit == TCP_TIME_NEVER || now < xmit)
		return;
	tcp_time_t late = now - xmit, rtt = c->rack_rtt ? c->rack_rtt : c->rtt.min_rtt;
	late = late > rtt ? late - rtt : 0;
	if (late > c->rack_reo_extent)
		c->rack_reo_extent = late;
	c->rack_reo_extent_persist = RACK_REO_WND_PERSIST;
}

/* Section 6.2 step 4: widen the window once per round trip in which D-SACKs arrive. */
void tcp_rack_on_dsack(struct tcp_conn *c)
{
	c->rack_reordering_seen = true;
	if (c->rack_dsack_round_set && SEQ_GEQ(c->snd_una, c->rack_dsack_round))
		c->rack_dsack_round_set = false;
	if (c->rack_dsack_round_set)
		return;
	c->rack_dsack_round_set = true;
	c->rack_dsack_round = c->snd_nxt;
	if (!c->rack_reo_wnd_mult)
		c->rack_reo_wnd_mult = 1;
	if (c->rack_reo_wnd_mult < RACK_REO_WND_MULT_MAX)
		c->rack_reo_wnd_mult++;
	c->rack_reo_wnd_persist = RACK_REO_WND_PERSIST;
}

/* Section 6.2 step 4: after reo_wnd_persist recoveries (fast or RTO recovery) without D-SACK,
 * back to one quarter; the measured extent likewise lasts 16 recoveries without reordering. */
void tcp_rack_on_recovery_exit(struct tcp_conn *c)
{
	if (c->rack_reo_wnd_persist && --c->rack_reo_wnd_persist == 0)
		c->rack_reo_wnd_mult = 1;
	if (c->rack_reo_extent_persist && --c->rack_reo_extent_persist == 0)
		c->rack_reo_extent = 0;
}

/* ---- Tail loss probe episodes, section 7.4 ----
 *
 * A probe that retransmits the last segment can repair a real loss on its own: its ACK then
 * covers everything and neither RACK nor the DupThresh rules ever see the loss, so the
 * congestion controller would not react to it. The sender remembers the probe (TLP.end_seq,
 * TLP.is_retrans) and watches the ACKs that reach TLP.end_seq: a D-SACK for the probe, or a
 * duplicate ACK without SACK information, shows that the original arrived too; an ACK beyond
 * TLP.end_seq without either shows that the probe alone delivered the data: a loss. */

void tcp_tlp_sent(struct tcp_conn *c, bool is_retrans, uint32_t seq)
{
	c->tlp_end_set = true;
	c->tlp_is_retrans = is_retrans;
	c->tlp_end = c->snd_nxt;
	c->tlp_seq = is_retrans ? seq : c->snd_nxt;
}

void tcp_tlp_reset(struct tcp_conn *c)
{
	c->tlp_end_set = false;
}

/* Section 7.4.4 "ACK has a D-SACK option matching TLP.end_seq": the duplicate it reports lies
 * within the probe (the receiver's block ends at TLP.end_seq, or one short of it when the
 * probe carried the FIN, which D-SACK blocks do not cover). */
static bool dsack_is_probe(const struct tcp_conn *c, const struct tcp_sack_block *b)
{
	return SEQ_GEQ(b->start, c->tlp_seq) && SEQ_LT(b->start, b->end) &&
	       SEQ_LEQ(b->end, c->tlp_end);
}

void tcp_tlp_on_ack(struct tcp_conn *c, uint32_t ack, const struct tcp_sack_block *dsack,
		    bool pure_dup, tcp_time_t now)
{
	if (!c->tlp_end_set || SEQ_LT(ack, c->tlp_end))
		return;
	if (!c->tlp_is_retrans) {
		c->tlp_end_set = false; /* a probe of new data was delivered: nothing to learn */
		return;
	}
	if (dsack && dsack_is_probe(c, dsack)) {
		c->tlp_end_set = false; /* the original arrived: the retransmission was redundant */
		return;
	}
	if (SEQ_GT(ack, c->tlp_end)) {
		/* the probe repaired the single loss: react as to any loss (Linux does a one-shot
		 * reduction, CWR then cwnd = ssthresh). The flight at a tail is nearly nothing, so
		 * the reduction starts from cwnd, as Linux's Reno (tcp_reno_ssthresh) does. */
		c->tlp_end_set = false;
		tcp_note_loss_in_slow_start(c);
		c->cc_ops->on_congestion(&c->cc, c->cc.cwnd, now);
		c->cc_ops->on_recovery_end(&c->cc, now);
		c->stack->st.tlp_recoveries++;
		return;
	}
	if (pure_dup)
		c->tlp_end_set = false; /* no SACK: the original and the probe both arrived */
}
