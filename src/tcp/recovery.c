/* SPDX-License-Identifier: BSD-2-Clause */
/* Loss recovery episodes on the sender: entering and leaving fast recovery (RFC 6675 section 5),
 * Proportional Rate Reduction for the window during recovery (RFC 6937), D-SACK (RFC 2883) on
 * both sides, and the undo of spurious recoveries and timeouts: detection by D-SACK (RFC 3708)
 * or by timestamps (Eifel, RFC 3522), response as RFC 4015 section 3 and Linux (cwnd and
 * ssthresh come back, the cc restores its own state). */
#include "tcp/tcb.h"

static uint32_t u32_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t u32_max(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* A new episode that undo may revert: remember the windows before the reduction. */
static void undo_begin(struct tcp_conn *c, bool eifel)
{
	c->undo_armed = true;
	/* deferred data still unacknowledged: its timestamps do not date its transmission */
	if (c->deferred_set && SEQ_GEQ(c->snd_una, c->deferred_end))
		c->deferred_set = false;
	c->undo_eifel = eifel && c->ts_ok && !c->deferred_set;
	c->undo_ts_set = false;
	c->undo_marker = c->snd_una;
	c->undo_end = c->snd_nxt;
	c->undo_retrans = 0;
	c->prior_cwnd = c->cc.cwnd;
	c->prior_ssthresh = c->cc.ssthresh;
}

void tcp_note_loss_in_slow_start(struct tcp_conn *c)
{
	/* ssthresh still at its initial "arbitrarily high" value (RFC 5681 section 3.1): this
	 * loss ends the initial slow start; once per connection (an undo may resume it) */
	if (c->ss_exit_counted || c->cc.ssthresh != UINT32_MAX || c->cc.cwnd >= c->cc.ssthresh)
		return;
	c->ss_exit_counted = true;
	c->stack->st.ss_exits_loss++;
	c->stack->st.ss_exit_cwnd_bytes += c->cc.cwnd;
}

void tcp_enter_recovery(struct tcp_conn *c, uint32_t delivered, tcp_time_t now)
{
	c->in_recovery = true;
	c->recover = c->snd_nxt;
	c->fast_recoveries++;
	c->stack->st.fast_recoveries++;
	tcp_tlp_reset(c); /* RFC 8985 7.4.2: the recovery reacts to any loss the probe showed */
	/* Eifel detection for fast retransmits too (RFC 3522 section 3; Linux's
	 * tcp_packet_delayed): on a reordering path the hole is often filled by the original,
	 * whose ACK echoes a timestamp older than the retransmission's. */
	undo_begin(c, true);
	tcp_note_loss_in_slow_start(c);
	c->cc_ops->on_congestion(&c->cc, tcp_conn_pipe(c), now);
	/* RFC 6937 section 3: RecoverFS = snd.nxt - snd.una */
	c->prr_delivered = 0;
	c->prr_out = 0;
	c->recover_fs = c->snd_nxt - c->snd_una;
	if (!c->recover_fs)
		c->recover_fs = c->t_maxseg;
	/* RFC 6675 section 5 step 4: the first unacknowledged segment is retransmitted first,
	 * unless SACK-based loss detection (IsLost or RACK) already chose what is lost */
	if (c->sm.len && !c->sm.lost_bytes)
		tcp_sentmap_mark_lost(&c->sm, 0);
	tcp_prr_on_ack(c, delivered);
	/* the fast retransmit itself is always allowed (RFC 6675 step 4) */
	uint32_t pipe = tcp_conn_pipe(c);
	if (c->cc.cwnd < pipe + c->t_maxseg)
		c->cc.cwnd = pipe + c->t_maxseg;
}

void tcp_prr_on_ack(struct tcp_conn *c, uint32_t delivered)
{
	uint32_t pipe = tcp_conn_pipe(c), ssthresh = c->cc.ssthresh;
	uint64_t sndcnt;
	c->prr_delivered += delivered;
	if (pipe > ssthresh) {
		/* proportional part: sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out */
		uint64_t want = ((uint64_t)c->prr_delivered * ssthresh + c->recover_fs - 1) /
				c->recover_fs;
		sndcnt = want > c->prr_out ? want - c->prr_out : 0;
	} else {
		/* PRR-SSRB: limit = MAX(prr_delivered - prr_out, DeliveredData) + MSS */
		uint32_t since = c->prr_delivered > c->prr_out ? c->prr_delivered - c->prr_out : 0;
		uint64_t limit = (uint64_t)u32_max(since, delivered) + c->t_maxseg;
		sndcnt = ssthresh - pipe;
		if (sndcnt > limit)
			sndcnt = limit;
	}
	uint64_t cwnd = pipe + sndcnt;
	c->cc.cwnd = cwnd > TCP_CC_CWND_MAX ? TCP_CC_CWND_MAX : (uint32_t)cwnd;
}

void tcp_exit_recovery(struct tcp_conn *c, tcp_time_t now)
{
	c->in_recovery = false;
	c->dupacks = 0;
	/* RFC 6937 section 3: cwnd = ssthresh at the end of recovery */
	c->cc_ops->on_recovery_end(&c->cc, now);
	tcp_rack_on_recovery_exit(c);
}

void tcp_exit_loss(struct tcp_conn *c)
{
	c->in_loss = false;
	/* RFC 8985 6.2 step 4: "exiting Fast or RTO recovery" both count toward the
	 * reo_wnd_persist recoveries after which the reordering window shrinks back */
	tcp_rack_on_recovery_exit(c);
}

void tcp_undo_on_rto(struct tcp_conn *c, tcp_time_t now)
{
	(void)now;
	/* a repeated timeout of the same episode keeps the first one's saved windows */
	if (c->in_loss && c->undo_armed)
		return;
	if (c->in_recovery && c->undo_armed) {
		/* a timeout inside a fast recovery continues that episode (Linux does the same):
		 * its windows from before the loss, and its first retransmission, which RFC 3522
		 * section 2 compares echoed timestamps with. Starting a new episode here would take
		 * the ACK of the fast retransmit (older than the RTO retransmission) as proof that
		 * the timeout was spurious and undo a genuine loss recovery. */
		c->undo_eifel = c->ts_ok && c->undo_ts_set;
		c->in_loss = true;
		return;
	}
	undo_begin(c, true);
	c->in_loss = true;
}

void tcp_undo_on_retransmit(struct tcp_conn *c, uint32_t seq, uint32_t len, tcp_time_t now)
{
	if (c->in_recovery)
		c->prr_out += len;
	if (!c->undo_armed)
		return;
	if (!c->undo_ts_set) {
		c->undo_ts_set = true;
		c->undo_tsval = tcp_ts_now(c, now);
		c->undo_retx_seq = seq;
	}
	c->undo_retrans += len;
}

bool tcp_sack_is_dsack(const struct tcp_sack_block *b, uint32_t n, uint32_t ack)
{
	if (!n || !SEQ_LT(b[0].start, b[0].end))
		return false;
	/* RFC 2883 section 4 / RFC 3708 section 2: below the cumulative ACK, or inside the
	 * second block */
	if (SEQ_LT(b[0].start, ack))
		return true;
	return n > 1 && SEQ_GEQ(b[0].start, b[1].start) && SEQ_LEQ(b[0].end, b[1].end);
}

void tcp_dsack_received(struct tcp_conn *c, const struct tcp_sack_block *b)
{
	c->dsacks_rcvd++;
	c->stack->st.dsacks_rcvd++;
	tcp_rack_on_dsack(c);
	/* RFC 3708 section 3: a D-SACK for data this episode retransmitted shows that one
	 * retransmission was unnecessary */
	if (!c->undo_armed || !SEQ_GEQ(b->start, c->undo_marker) || !SEQ_LEQ(b->end, c->undo_end))
		return;
	uint32_t len = b->end - b->start;
	c->undo_retrans -= u32_min(len, c->undo_retrans);
}

/* RFC 4015 section 3 response (Linux-style): restore the windows from before the episode. */
static void undo_episode(struct tcp_conn *c, tcp_time_t now)
{
	c->cc.cwnd = u32_max(c->cc.cwnd, c->prior_cwnd);
	c->cc.ssthresh = u32_max(c->cc.ssthresh, c->prior_ssthresh);
	if (c->cc_ops->on_undo)
		c->cc_ops->on_undo(&c->cc, now);
	c->undo_armed = false;
	c->undos++;
	c->stack->st.undos++;
	if (c->in_recovery || c->in_loss)
		tcp_rack_on_recovery_exit(c);
	if (c->in_recovery) {
		c->in_recovery = false;
		c->dupacks = 0;
	}
	c->in_loss = false;
	tcp_sentmap_unmark_lost(&c->sm);
	/* data sent before the episode may be lost for real later: allow a new recovery */
	c->recover = c->snd_una;
	c->rack_reordering_seen = true;
}

void tcp_undo_check(struct tcp_conn *c, const struct tcp_hdr *h, bool new_ack, tcp_time_t now)
{
	if (!c->undo_armed)
		return;
	/* Eifel (RFC 3522 section 3): the first ACK for new data after a timeout echoes a
	 * timestamp older than the first retransmission: the original was delivered. Only an
	 * ACK that covers that retransmitted segment can tell: one for data below it (a RACK
	 * episode may retransmit above snd_una first) echoes an older segment by right. */
	if (c->undo_eifel && new_ack &&
	    (!SEQ_GT(h->ack, c->undo_marker) ||
	     (c->undo_ts_set && !SEQ_GT(h->ack, c->undo_retx_seq))))
		return; /* (the ACK that started a fast recovery is not its first new ACK) */
	if (c->undo_eifel && new_ack) {
		c->undo_eifel = false;
		if (h->opts.present & TCP_OPT_F_TS && h->opts.ts_ecr &&
		    (!c->undo_ts_set || SEQ_LT(h->opts.ts_ecr, c->undo_tsval))) {
			undo_episode(c, now);
			return;
		}
	}
	/* RFC 3708: every retransmission of the episode was reported by a D-SACK; checked once
	 * the episode's data is all acknowledged, so no retransmission of it is still to come */
	if (c->undo_ts_set && !c->undo_retrans && !c->in_recovery &&
	    SEQ_GEQ(c->snd_una, c->undo_end))
		undo_episode(c, now);
}

void tcp_dsack_note(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	if (!c->sack_ok || !SEQ_LT(start, end))
		return;
	c->dsack_pending = true;
	c->dsack = (struct tcp_sack_block){.start = start, .end = end};
}
