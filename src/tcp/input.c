/* SPDX-License-Identifier: BSD-2-Clause */
/* Segment arrival on a connection, RFC 9293 section 3.10.7 (SYN-SENT 3.10.7.3, other states
 * 3.10.7.4), with RFC 7323 PAWS, RFC 5961 challenge ACKs and RFC 6675/6582 loss recovery. */
#include <errno.h>

#include "tcp/tcb.h"

/* Send an ACK now (the segment carried something that needs one). */
static void ack_now(struct tcp_conn *c)
{
	c->ack_now = true;
}

/* Linux tcp_oow_rate_limited: at most one challenge or out-of-window ACK per connection per
 * TCP_OOW_INTERVAL, so that neither an ACK loop nor an attacker's flood draws one per
 * segment. True when this one must not be sent. */
static bool oow_limited(struct tcp_conn *c, tcp_time_t now)
{
	if (c->last_oow_ack != TCP_TIME_NEVER && now >= c->last_oow_ack &&
	    now - c->last_oow_ack < TCP_OOW_INTERVAL) {
		c->stack->st.acks_rate_limited++;
		return true;
	}
	c->last_oow_ack = now;
	return false;
}

/* The ACK an unacceptable segment gets (RFC 9293 3.10.7.4, RFC 7323 5.3 R1): rate limited
 * unless the segment carries data (a retransmission whose ACK was lost needs its answer; data
 * segments are not an ACK loop), as Linux does. */
static void oow_ack(struct tcp_conn *c, const struct tcp_hdr *h, uint32_t len, tcp_time_t now)
{
	if ((len && !(h->flags & TH_SYN)) || !oow_limited(c, now))
		ack_now(c);
}

/* RFC 5961 section 7: challenge ACKs are rate limited per connection and by a randomised
 * budget per stack (Linux >= 4.7, after CVE-2016-5696). */
static void challenge_ack(struct tcp_conn *c, tcp_time_t now)
{
	if (oow_limited(c, now))
		return;
	if (!tcp_stack_challenge_allowed(c->stack, now)) {
		c->stack->st.acks_rate_limited++;
		return;
	}
	c->stack->st.challenge_acks++;
	ack_now(c);
}

/* ---- SYN-SENT, RFC 9293 3.10.7.3 ---- */
static void input_syn_sent(struct tcp_conn *c, const struct tcp_hdr *h, uint32_t len,
			   tcp_time_t now)
{
	bool ack_ok = false;
	/* first: check the ACK bit */
	if (h->flags & TH_ACK) {
		if (SEQ_LEQ(h->ack, c->iss) || SEQ_GT(h->ack, c->snd_nxt)) {
			if (!(h->flags & TH_RST))
				tcp_stack_reply_rst(c->stack, &c->t, h, len);
			tcp_stack_drop(c->stack, TCP_DROP_BAD_ACK);
			return;
		}
		ack_ok = true;
	}
	/* second: check the RST bit */
	if (h->flags & TH_RST) {
		if (ack_ok) {
			tcp_conn_closed(c, ECONNREFUSED); /* "error: connection reset" */
			return;
		}
		tcp_stack_drop(c->stack, TCP_DROP_BAD_RST);
		return;
	}
	/* fourth: check the SYN bit */
	if (!(h->flags & TH_SYN)) {
		tcp_stack_drop(c->stack, TCP_DROP_STATE);
		return;
	}
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	tcp_rcvbuf_reset(c->rb, c->rcv_nxt);
	tcp_conn_syn_options(c, h, true);
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	c->last_rcv = now;
	if (ack_ok) {
		c->snd_una = h->ack;
		/* RFC 7323 2.2: the window in a SYN is never scaled */
		c->snd_wnd = h->wnd;
		c->max_sndwnd = c->snd_wnd;
		if (c->syn_tries == 0 && now >= c->syn_xmit) /* Karn: not after a retry */
			tcp_rtt_sample(&c->rtt, now - c->syn_xmit);
		tcp_conn_established(c, now);
		ack_now(c);
		return;
	}
	/* simultaneous open: SYN-RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
	c->state = TCP_SYN_RECEIVED;
	c->snd_wnd = h->wnd;
	c->syn_pending = true;
	tcp_conn_touch(c);
}

/* RFC 7323 section 5.3 PAWS: true when the segment must be dropped. */
static bool paws_reject(struct tcp_conn *c, const struct tcp_hdr *h, tcp_time_t now)
{
	if (!c->ts_ok || !(h->opts.present & TCP_OPT_F_TS) || (h->flags & TH_RST))
		return false;
	/* Linux tcp_paws_check (TCP_PAWS_WINDOW): one tick of slack, for segments the sender
	 * stamped within a millisecond of each other and the path reordered */
	if (c->ts_recent - h->opts.ts_val <= 1 || !SEQ_LT(h->opts.ts_val, c->ts_recent))
		return false;
	/* R1 note: a ts_recent idle for over 24 days is invalid (RFC 7323 5.5) */
	if (now - c->ts_recent_age > 24ull * 24 * 3600 * TCP_SEC)
		return false;
	return true;
}

/* Whether an ACK could move the send window (Linux tcp_may_update_window): it acknowledges new
 * data, comes from later in the peer's sequence space than the last update (SND.WL1), or,
 * at SND.WL1, opens the window further or closes it. */
static bool may_update_window(const struct tcp_conn *c, const struct tcp_hdr *h)
{
	uint32_t wnd = (uint32_t)h->wnd << c->snd_scale;
	return SEQ_GT(h->ack, c->snd_una) || SEQ_GT(h->seq, c->snd_wl1) ||
	       (h->seq == c->snd_wl1 && (wnd > c->snd_wnd || wnd == 0));
}

/* Linux tcp_disordered_ack(): on a reordering path a pure duplicate ACK is often overtaken by
 * a later one and arrives with an older timestamp; RFC 7323 5.3 R1 would drop it, and with it
 * the SACK blocks that loss detection needs (RFC 2018, RFC 8985). Such an ACK is harmless and
 * accepted when it carries nothing (no data, SYN or FIN) at RCV.NXT, acknowledges exactly
 * SND.UNA, cannot move the window, and its timestamp is within one RTO of TS.Recent (an old
 * duplicate replayed from further back is not). */
static bool disordered_ack(const struct tcp_conn *c, const struct tcp_hdr *h, uint32_t len)
{
	if (c->state < TCP_ESTABLISHED || len || (h->flags & (TH_SYN | TH_FIN | TH_RST)) ||
	    !(h->flags & TH_ACK))
		return false;
	if (h->seq != c->rcv_nxt || h->ack != c->snd_una || may_update_window(c, h))
		return false;
	uint32_t rto_ts = (uint32_t)(tcp_rtt_rto(&c->rtt) / TCP_MSEC); /* RFC 7323 5.4: 1 ms */
	return c->ts_recent - h->opts.ts_val <= rto_ts;
}

/* RFC 9293 3.10.7.4 first: the four-case acceptability test. */
static bool acceptable(const struct tcp_conn *c, uint32_t seq, uint32_t seglen)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;
	if (SEQ_LT(c->rcv_adv, c->rcv_nxt))
		wnd = 0;
	if (seglen == 0) {
		if (wnd == 0)
			return seq == c->rcv_nxt;
		return seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
	       seq_in(seq + seglen - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

static void rst_received(struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_SYN_RECEIVED:
		/* passive open: back to LISTEN (the embryo goes away); active: refused */
		tcp_conn_closed(c, c->listener ? 0 : ECONNREFUSED);
		return;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		tcp_conn_closed(c, ECONNRESET);
		return;
	default: /* CLOSING, LAST_ACK, TIME_WAIT: enter CLOSED quietly */
		tcp_conn_closed(c, 0);
		return;
	}
}

static uint32_t sack_blocks_ok(const struct tcp_conn *c, const struct tcp_hdr *h)
{
	return c->sack_ok && (h->opts.present & TCP_OPT_F_SACK) ? h->opts.nsack : 0;
}

/* RFC 7323 section 4 (RTTM): an ACK for new data that Karn's rule leaves without a sample
 * (everything it covers was retransmitted) still times the segment that made the receiver
 * send it, by its echoed timestamp, as Linux does (tcp_ack_update_rtt). Under reordering,
 * that is the delayed original the retransmissions raced: without these samples SRTT only
 * ever sees the packets that overtook. Not while NIC-deferred data is outstanding (its
 * timestamps do not date its transmission, tcp_conn_ext_deferred). */
static void ts_rtt_sample(struct tcp_conn *c, const struct tcp_hdr *h, tcp_time_t now)
{
	if (!c->ts_ok || !(h->opts.present & TCP_OPT_F_TS) || !h->opts.ts_ecr ||
	    (c->deferred_set && SEQ_LT(c->snd_una, c->deferred_end)))
		return;
	uint32_t ms = tcp_ts_now(c, now) - h->opts.ts_ecr;
	if (ms && ms < 60000) /* 0: below the clock's resolution; huge: not one of ours */
		tcp_rtt_sample(&c->rtt, (tcp_time_t)ms * TCP_MSEC);
}

/* ACK processing for the sender (RFC 9293 3.10.7.4 fifth, ESTABLISHED and after). Returns
 * false if the segment must be dropped. */
static bool process_ack(struct tcp_conn *c, const struct tcp_hdr *h, uint32_t len,
			bool disordered, tcp_time_t now)
{
	uint32_t ack = h->ack;
	uint32_t wnd = (uint32_t)h->wnd << c->snd_scale;
	/* RFC 5961 5.2: acceptable range [SND.UNA - MAX.SND.WND, SND.NXT] */
	if (SEQ_GT(ack, c->snd_nxt)) {
		if (!oow_limited(c, now))
			ack_now(c);
		tcp_stack_drop(c->stack, TCP_DROP_BAD_ACK);
		return false;
	}
	if (SEQ_LT(ack, c->snd_una - c->max_sndwnd)) {
		challenge_ack(c, now);
		tcp_stack_drop(c->stack, TCP_DROP_BAD_ACK);
		return false;
	}
	/* RFC 7323 4.3: TS.Recent from a segment covering Last.ACK.sent, once it is known to be
	 * acceptable (Linux updates it after tcp_ack validated the ACK) */
	if (c->ts_ok && (h->opts.present & TCP_OPT_F_TS) && SEQ_LEQ(h->seq, c->last_ack_sent) &&
	    SEQ_GEQ(h->opts.ts_val, c->ts_recent)) {
		c->ts_recent = h->opts.ts_val;
		c->ts_recent_age = now;
	}
	uint32_t flight_before = tcp_conn_pipe(c);
	struct tcp_sent_acked acked = {.rtt_xmit = TCP_TIME_NEVER, .rtt_xmit_first = TCP_TIME_NEVER,
				       .rtt_xmit_first_sack = TCP_TIME_NEVER};
	bool new_ack = SEQ_GT(ack, c->snd_una);
	bool had_outstanding = c->snd_una != c->snd_nxt;
	uint32_t nsack = sack_blocks_ok(c, h);
	const struct tcp_sack_block *blocks = h->opts.sack;
	uint32_t sacked_before = c->sm.sacked_bytes;
	/* RFC 2883: a D-SACK block reports a duplicate, not new SACK information */
	bool dsack = tcp_sack_is_dsack(blocks, nsack, ack);
	if (dsack) {
		blocks++;
		nsack--;
	}
	if (SEQ_LT(c->rack_fack, c->snd_una))
		c->rack_fack = c->snd_una;
	uint32_t fack_before = c->rack_fack;

	if (new_ack) {
		uint32_t data_ack = SEQ_GT(ack, tcp_sndbuf_tail(c->sb)) ? tcp_sndbuf_tail(c->sb) : ack;
		tcp_sndbuf_ack(c->sb, data_ack);
		tcp_sentmap_ack(&c->sm, ack, &acked);
		c->bytes_acked += ack - c->snd_una;
		c->snd_una = ack;
		c->rexmt_shift = 0;
		c->persist_shift = 0;
		tcp_rtt_reset_backoff(&c->rtt); /* new data acknowledged: backoff ends */
	}
	if (nsack)
		tcp_sentmap_sack(&c->sm, blocks, (int)nsack, c->t_maxseg, &acked);
	if (dsack)
		tcp_dsack_received(c, &h->opts.sack[0]);
	/* RFC 8985 6.2 step 3: never-retransmitted data delivered below RACK.fack was reordered */
	if (acked.orig && SEQ_LT(acked.orig_seq, fack_before))
		tcp_rack_reordered(c, fack_before - acked.orig_seq, acked.orig_xmit, now);
	if (SEQ_GT(ack, c->rack_fack))
		c->rack_fack = ack;
	if (c->sm.sacked_bytes && SEQ_GT(c->sm.high_sacked, c->rack_fack))
		c->rack_fack = c->sm.high_sacked;

	/* RTT sample, Karn's rule: only from never-retransmitted data (RFC 6298 section 3) */
	tcp_time_t rtt_sample = 0;
	if (acked.rtt_xmit != TCP_TIME_NEVER && now >= acked.rtt_xmit && new_ack) {
		/* SRTT from the oldest segment this ACK delivered (cumulatively, else by SACK),
		 * min_RTT (and HyStart++) from the newest, as Linux (tcp_clean_rtx_queue:
		 * first_ackt / last_ackt): an ACK that ends a reordering episode delivers segments
		 * that took the slow way, and SRTT (hence the RTO and RACK's reordering window
		 * bound) must cover them. */
		tcp_time_t first = acked.rtt_xmit_first != TCP_TIME_NEVER ? acked.rtt_xmit_first
									   : acked.rtt_xmit_first_sack;
		rtt_sample = now - acked.rtt_xmit;
		tcp_rtt_sample(&c->rtt, first != TCP_TIME_NEVER && now >= first ? now - first
										 : rtt_sample);
		if (rtt_sample < c->rtt.min_rtt)
			c->rtt.min_rtt = rtt_sample;
	} else if (new_ack) {
		ts_rtt_sample(c, h, now);
	}
	if (acked.last_xmit)
		tcp_rack_update(c, &(struct tcp_sent){.xmit = acked.last_xmit, .end = acked.last_end,
						      .flags = acked.last_retx ? TCP_SENT_EVER_RETX : 0},
				now);

	/* window update, RFC 9293 3.10.7.4: SND.WL1 < SEG.SEQ or (= and SND.WL2 =< SEG.ACK) */
	bool wnd_changed = false;
	/* a disordered ACK (an older one overtaken) never moves the window */
	if (!disordered &&
	    (SEQ_LT(c->snd_wl1, h->seq) || (c->snd_wl1 == h->seq && SEQ_LEQ(c->snd_wl2, ack)))) {
		wnd_changed = c->snd_wnd != wnd;
		c->snd_wnd = wnd;
		c->snd_wl1 = h->seq;
		c->snd_wl2 = ack;
		if (wnd > c->max_sndwnd)
			c->max_sndwnd = wnd;
		if (wnd) {
			c->t_persist = TCP_TIME_NEVER;
			c->persist_since = TCP_TIME_NEVER;
		}
	}

	/* duplicate ACK, RFC 5681 section 2 (with SACK: any ACK carrying new SACK info) */
	bool dup = !new_ack && had_outstanding && len == 0 && !(h->flags & (TH_SYN | TH_FIN)) &&
		   (!wnd_changed || c->sm.sacked_bytes != sacked_before);
	if (dup)
		c->dupacks++;
	else if (new_ack)
		c->dupacks = 0;

	/* RFC 8985 section 7.2: once reordering was observed RACK replaces the DupThresh rules
	 * (RFC 6675 IsLost, three duplicate ACKs, the RFC 6582 partial-ACK retransmission) */
	bool rack_only = c->cfg.rack && c->sack_ok && c->rack_reordering_seen;
	if (c->sack_ok && c->sm.sacked_bytes && !rack_only)
		tcp_sentmap_update_lost(&c->sm, c->t_maxseg);
	if (c->cfg.rack && c->sack_ok)
		tcp_rack_detect(c, now);
	if (c->in_loss && SEQ_GEQ(c->snd_una, c->recover))
		tcp_exit_loss(c);

	if (c->in_recovery) {
		if (SEQ_GEQ(c->snd_una, c->recover)) {
			/* full ACK: recovery ends (RFC 6582 3.2 step 3, RFC 6675 section 5) */
			tcp_exit_recovery(c, now);
		} else {
			if (new_ack && c->sm.len && !rack_only &&
			    !(tcp_sentmap_at(&c->sm, 0)->flags & (TCP_SENT_RETX | TCP_SENT_SACKED))) {
				/* partial ACK: the next hole is lost (RFC 6582 3.2 step 5); with SACK
				 * this also covers receivers that report few SACK blocks */
				tcp_sentmap_mark_lost(&c->sm, 0);
			}
			tcp_prr_on_ack(c, acked.bytes);
		}
	} else if (had_outstanding && SEQ_GEQ(c->snd_una, c->recover) &&
		   ((c->sack_ok && c->sm.lost_bytes) || (c->dupacks >= 3 && !rack_only))) {
		/* RFC 6582 3.2 step 1 / section 4: no fast recovery for data sent before the
		 * previous recovery point or the last RTO */
		tcp_enter_recovery(c, acked.bytes, now);
	} else if (new_ack && acked.bytes) {
		struct tcp_cc_ack a = {
			.acked = acked.bytes,
			.flight = flight_before,
			.srtt = c->rtt.has_sample ? c->rtt.srtt : 0,
			.min_rtt = c->rtt.has_sample ? c->rtt.min_rtt : 0,
			/* RFC 7661 spirit: a window the flight does not use is not grown (the
			 * send buffer or the peer's window limits us, not cwnd) */
			.app_limited = c->app_limited || 2 * (uint64_t)flight_before < c->cc.cwnd,
			.rtt_sample = rtt_sample, /* HyStart++ rounds, RFC 9406 */
		};
		uint32_t ssthresh_before = c->cc.ssthresh, css_before = c->cc.css_entries;

		c->cc_ops->on_ack(&c->cc, &a, now);
		if (c->cc.css_entries != css_before)
			c->stack->st.hystart_css++;
		if (ssthresh_before == UINT32_MAX && c->cc.ssthresh != UINT32_MAX &&
		    !c->ss_exit_counted) {
			/* only HyStart++ sets ssthresh on an ACK (RFC 9406 section 4.3) */
			c->ss_exit_counted = true;
			c->stack->st.ss_exits_hystart++;
			c->stack->st.ss_exit_cwnd_bytes += c->cc.cwnd;
		}
	}
	/* RFC 8985 7.4.4, after loss detection (entering recovery ends the probe's episode) */
	if (c->tlp_end_set) {
		bool pure_dup = !new_ack && !len && !wnd_changed &&
				!(h->flags & (TH_SYN | TH_FIN)) &&
				!(h->opts.present & TCP_OPT_F_SACK);
		tcp_tlp_on_ack(c, ack, dsack ? &h->opts.sack[0] : NULL, pure_dup, now);
	}
	tcp_undo_check(c, h, new_ack, now);
	tcp_sndbuf_autotune(c);

	if (new_ack) {
		/* RFC 6298 5.2/5.3: stop the timer when all is acked, else restart it */
		if (c->snd_una == c->snd_nxt)
			c->t_rexmt = TCP_TIME_NEVER;
		else
			tcp_timer_arm_rexmt(c, now);
		tcp_timer_arm_tlp(c, now);
	}
	if (acked.fin_acked || (c->fin_sent && SEQ_GT(c->snd_una, c->fin_seq)))
		c->fin_sent = true;
	return true;
}

static bool our_fin_acked(const struct tcp_conn *c)
{
	return c->fin_sent && SEQ_GT(c->snd_una, c->fin_seq);
}

/* Seventh and eighth steps: segment text and FIN. */
static void process_data(struct tcp_conn *c, const struct tcp_hdr *h, const uint8_t *data,
			 uint32_t len, bool fin, tcp_time_t now)
{
	uint32_t seq = h->seq;
	if (len) {
		struct tcp_sack_block dup;
		if (c->sack_ok && tcp_rcvbuf_ooo_dup(c->rb, seq, len, &dup))
			tcp_dsack_note(c, dup.start, dup.end); /* RFC 2883 section 4 */
		bool was_ooo = tcp_rcvbuf_has_ooo(c->rb);
		uint64_t ooo_dropped = tcp_rcvbuf_ooo_dropped(c->rb);
		uint32_t adv = tcp_rcvbuf_insert(c->rb, seq, data, len);
		if (tcp_rcvbuf_ooo_dropped(c->rb) != ooo_dropped) /* RFC 9293 3.10.7.4 */
			tcp_stack_drop(c->stack, TCP_DROP_OOO_LIMIT);
		c->rcv_nxt = tcp_rcvbuf_nxt(c->rb);
		c->bytes_received += adv;
		if (adv)
			tcp_rcvbuf_autotune(c, h, now);
		if (seq != c->rcv_nxt - adv || was_ooo || tcp_rcvbuf_has_ooo(c->rb) || !adv) {
			/* out of order, filling a hole, or duplicate: ACK at once (RFC 5681 4.2) */
			ack_now(c);
		} else {
			/* RFC 9293 3.8.6.3 / RFC 5681 4.2: ACK at least every second full segment */
			c->unacked_segs += (adv + c->t_maxseg - 1) / c->t_maxseg;
			if (c->unacked_segs >= 2)
				ack_now(c);
			else if (c->t_delack == TCP_TIME_NEVER)
				c->t_delack = now + c->cfg.delack;
		}
	}
	if (fin) {
		uint32_t fseq = seq + len;
		if (c->rcv_nxt != fseq) {
			/* FIN beyond a hole: remember it until the hole is filled */
			c->ooo_fin = true;
			c->ooo_fin_seq = fseq;
			ack_now(c);
		}
	}
	if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq && !c->fin_rcvd) {
		c->ooo_fin = false;
		fin = true;
	} else if (!(fin && c->rcv_nxt == seq + len) || c->fin_rcvd) {
		return;
	}
	/* eighth: FIN. RCV.NXT advances over it; ACK it */
	c->fin_rcvd = true;
	c->rcv_nxt++;
	ack_now(c);
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		if (our_fin_acked(c))
			tcp_enter_time_wait(c, now);
		else
			c->state = TCP_CLOSING; /* simultaneous close */
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_time_wait(c, now);
		break;
	default:
		break;
	}
}

void tcp_conn_input(struct tcp_conn *c, const struct tcp_hdr *h, const uint8_t *data,
		    uint32_t len, tcp_time_t now)
{
	struct tcp_stack *s = c->stack;
	uint8_t flags = h->flags;

	if (c->state == TCP_SYN_SENT) {
		input_syn_sent(c, h, len, now);
		goto out;
	}
	if (c->state == TCP_CLOSED) {
		tcp_stack_drop(s, TCP_DROP_STATE);
		return;
	}

	/* RFC 7323 5.3 R1: PAWS before the acceptability test, except for disordered ACKs */
	bool disordered = false;
	if (paws_reject(c, h, now)) {
		if (!disordered_ack(c, h, len)) {
			oow_ack(c, h, len, now);
			tcp_stack_drop(s, TCP_DROP_PAWS);
			goto out;
		}
		disordered = true;
		s->st.disordered_acks++;
	}

	/* SYN-RECEIVED after a simultaneous open: the peer's SYN-ACK repeats its SYN (seq = IRS)
	 * and acknowledges ours; process it as the ACK it carries. A bare repeated SYN means our
	 * SYN-ACK was lost: send it again. */
	struct tcp_hdr hcopy;
	if (c->state == TCP_SYN_RECEIVED && (flags & TH_SYN) && h->seq == c->irs &&
	    !(flags & TH_RST)) {
		if (!(flags & TH_ACK)) {
			c->syn_pending = true;
			goto out;
		}
		ack_now(c); /* our SYN-ACK may not have arrived: the ACK completes the peer */
		hcopy = *h;
		hcopy.seq++;
		hcopy.flags &= (uint8_t)~TH_SYN;
		h = &hcopy;
		flags = h->flags;
	}

	/* first: sequence number */
	uint32_t seq = h->seq;
	bool fin = flags & TH_FIN;
	uint32_t seglen = len + ((flags & TH_SYN) ? 1 : 0) + (fin ? 1 : 0);
	if (!acceptable(c, seq, seglen)) {
		if (!(flags & TH_RST))
			oow_ack(c, h, len, now);
		/* RFC 2883 section 4: report a duplicate below RCV.NXT in a D-SACK */
		if (len && !(flags & (TH_RST | TH_SYN)) && SEQ_LT(seq, c->rcv_nxt) &&
		    SEQ_GT(seq, c->irs))
			tcp_dsack_note(c, seq, SEQ_LT(seq + len, c->rcv_nxt) ? seq + len : c->rcv_nxt);
		tcp_stack_drop(s, TCP_DROP_OUT_OF_WINDOW);
		goto out;
	}

	/* second: RST, RFC 5961 3.2: reset only if SEG.SEQ == RCV.NXT, else challenge ACK */
	if (flags & TH_RST) {
		if (seq == c->rcv_nxt) {
			rst_received(c);
			return;
		}
		challenge_ack(c, now);
		tcp_stack_drop(s, TCP_DROP_BAD_RST);
		goto out;
	}

	/* fourth: SYN in a synchronized state, RFC 5961 4.2: challenge ACK. A SYN in SYN-RECEIVED
	 * that repeats the peer's SYN is a retransmission: resend our SYN-ACK. */
	if (flags & TH_SYN) {
		challenge_ack(c, now);
		tcp_stack_drop(s, TCP_DROP_BAD_SYN);
		goto out;
	}

	/* fifth: ACK field */
	if (!(flags & TH_ACK)) {
		tcp_stack_drop(s, TCP_DROP_STATE);
		goto out;
	}
	c->last_rcv = now;
	c->keep_probes = 0;
	if (c->cfg.keepalive)
		tcp_timer_keep_reset(c, now);

	if (c->state == TCP_SYN_RECEIVED) {
		/* If SND.UNA < SEG.ACK =< SND.NXT, ESTABLISHED; else send <SEQ=SEG.ACK><CTL=RST> */
		if (!(SEQ_LT(c->snd_una, h->ack) && SEQ_LEQ(h->ack, c->snd_nxt))) {
			tcp_stack_reply_rst(s, &c->t, h, len);
			tcp_stack_drop(s, TCP_DROP_BAD_ACK);
			goto out;
		}
		c->snd_wnd = (uint32_t)h->wnd << c->snd_scale;
		c->max_sndwnd = c->snd_wnd;
		c->snd_wl1 = seq;
		c->snd_wl2 = h->ack;
		c->snd_una = h->ack;
		if (c->syn_tries == 0 && now >= c->syn_xmit)
			tcp_rtt_sample(&c->rtt, now - c->syn_xmit);
		tcp_conn_established(c, now);
		if (c->fin_queued)
			c->state = TCP_FIN_WAIT_1;
	}

	/* trim what precedes RCV.NXT (already received) */
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t skip = c->rcv_nxt - seq;
		if (len) /* RFC 2883 section 4: the duplicate part goes into a D-SACK */
			tcp_dsack_note(c, seq, seq + (skip < len ? skip : len));
		if (skip >= len) {
			if (fin && skip > len)
				fin = false; /* an old FIN */
			skip = len;
		}
		data += skip;
		len -= skip;
		seq += skip;
	}

	if (!process_ack(c, h, len, disordered, now))
		goto out;
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (our_fin_acked(c)) {
			c->state = TCP_FIN_WAIT_2;
			tcp_timer_fin_wait_2(c, now);
		}
		break;
	case TCP_CLOSING:
		if (our_fin_acked(c))
			tcp_enter_time_wait(c, now);
		break;
	case TCP_LAST_ACK:
		if (our_fin_acked(c)) {
			tcp_conn_closed(c, 0);
			return;
		}
		break;
	case TCP_TIME_WAIT:
		/* a retransmitted FIN: acknowledge it and restart the 2 MSL timeout */
		if (fin) {
			ack_now(c);
			c->t_2msl = now + c->cfg.time_wait;
		}
		goto out;
	default:
		break;
	}

	/* seventh: text, in ESTABLISHED / FIN-WAIT-1 / FIN-WAIT-2 only */
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2: {
		/* RFC 1122 4.2.2.13: new data after the application closed: RST */
		if (c->orphan && len) {
			tcp_conn_orphan_data(c);
			return;
		}
		struct tcp_hdr th = *h;
		th.seq = seq;
		process_data(c, &th, data, len, fin, now);
		break;
	}
	default:
		if (fin && !c->fin_rcvd)
			ack_now(c);
		break;
	}
out:
	tcp_conn_touch(c);
}
