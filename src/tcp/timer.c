/* SPDX-License-Identifier: BSD-2-Clause */
/* Connection timers: retransmission (RFC 6298), persist (RFC 9293 3.8.6.1), delayed ACK
 * (RFC 9293 3.8.6.3), keep-alive (RFC 1122 4.2.3.6), TIME-WAIT (RFC 9293 3.10.8), tail loss
 * probe and RACK reordering timer (RFC 8985). All deadlines are absolute; the stack keeps the
 * earliest of each connection in its timer heap. */
#include <errno.h>

#include "tcp/tcb.h"

static tcp_time_t tmin(tcp_time_t a, tcp_time_t b)
{
	return a < b ? a : b;
}

void tcp_conn_compute_deadline(struct tcp_conn *c)
{
	tcp_time_t d = tmin(tmin(c->t_rexmt, c->t_persist), tmin(c->t_delack, c->t_keep));
	d = tmin(d, tmin(c->t_2msl, tmin(c->t_tlp, c->t_rack)));
	c->deadline = d;
}

void tcp_timer_arm_rexmt(struct tcp_conn *c, tcp_time_t now)
{
	tcp_time_t rto = tcp_rtt_rto(&c->rtt);
	/* ext_echo: the timer really starts when the NIC reports the first range sent */
	if (c->sm.len && (tcp_sentmap_at(&c->sm, 0)->flags & TCP_SENT_ECHO_WAIT))
		rto += c->cfg.rto_max;
	c->t_rexmt = now + rto;
}

void tcp_timer_arm_tlp(struct tcp_conn *c, tcp_time_t now)
{
	c->t_tlp = TCP_TIME_NEVER;
	/* RFC 8985 7.2: SACK, nothing SACKed, not in (fast or RTO) recovery; 7.3 condition 1:
	 * no probe outstanding (TLP.end_seq) */
	if (!c->cfg.rack || !c->sack_ok || c->in_recovery || c->in_loss || c->sm.sacked_bytes ||
	    c->tlp_end_set || c->snd_una == c->snd_nxt || !c->rtt.has_sample || c->rexmt_shift)
		return;
	if (c->sm.len && (tcp_sentmap_at(&c->sm, c->sm.len - 1)->flags & TCP_SENT_ECHO_WAIT))
		return; /* ext_echo: timing starts when the NIC reports the send */
	/* RFC 8985 7.2: PTO = 2*SRTT, plus the worst-case delayed ACK when one segment is out */
	tcp_time_t pto = 2 * c->rtt.srtt;
	if (c->snd_nxt - c->snd_una <= c->t_maxseg)
		pto += c->cfg.delack > 200 * TCP_MSEC ? c->cfg.delack : 200 * TCP_MSEC;
	if (pto < 10 * TCP_MSEC)
		pto = 10 * TCP_MSEC;
	c->t_tlp = now + pto;
	/* "if the time at which an RTO would fire is sooner than the computed time for the PTO,
	 * then the sender schedules a TLP to be sent at that RTO time": the probe takes the RTO's
	 * place (tcp_conn_timers runs it first and re-arms the RTO), as Linux does. Without this
	 * a single lost tail segment (PTO = 2 SRTT + 200 ms) or a path whose RTO is near 2 SRTT
	 * would always end in a timeout and a loss window of one segment. */
	if (c->t_rexmt != TCP_TIME_NEVER && c->t_tlp > c->t_rexmt)
		c->t_tlp = c->t_rexmt;
}

void tcp_timer_arm_persist(struct tcp_conn *c, tcp_time_t now)
{
	tcp_time_t t = tcp_rtt_rto(&c->rtt);
	for (unsigned i = 0; i < c->persist_shift && t < c->cfg.rto_max; i++)
		t *= 2;
	if (t > c->cfg.rto_max)
		t = c->cfg.rto_max;
	c->t_persist = now + t;
	if (c->persist_since == TCP_TIME_NEVER)
		c->persist_since = now;
}

void tcp_timer_keep_reset(struct tcp_conn *c, tcp_time_t now)
{
	c->t_keep = c->cfg.keepalive ? now + c->cfg.keep_idle : TCP_TIME_NEVER;
}

void tcp_enter_time_wait(struct tcp_conn *c, tcp_time_t now)
{
	c->state = TCP_TIME_WAIT;
	c->t_rexmt = c->t_persist = c->t_keep = c->t_tlp = c->t_rack = TCP_TIME_NEVER;
	c->t_2msl = now + c->cfg.time_wait;
	/* oldest first (all last time_wait): tcp_stack_conn_room may end the oldest early */
	tcp_list_remove(&c->tw_link);
	tcp_list_push(&c->stack->twq, &c->tw_link);
	tcp_conn_orphan_end(c);
	tcp_conn_shrink(c);
}

void tcp_timer_fin_wait_2(struct tcp_conn *c, tcp_time_t now)
{
	if (!c->orphan || c->state != TCP_FIN_WAIT_2 || c->t_2msl != TCP_TIME_NEVER)
		return;
	/* Linux: an orphan's FIN-WAIT-2 lasts tcp_fin_timeout, then it ends without a word */
	c->t_2msl = now + c->cfg.fin_timeout;
	tcp_conn_shrink(c);
}

/* RFC 6298 section 5.4-5.7 and RFC 5681 3.1 on expiry of the retransmission timer. */
static void rexmt_expired(struct tcp_conn *c, tcp_time_t now)
{
	c->t_rexmt = TCP_TIME_NEVER;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		if (++c->syn_tries > c->cfg.syn_retries) {
			tcp_conn_closed(c, ETIMEDOUT);
			return;
		}
		tcp_rtt_backoff(&c->rtt);
		c->syn_pending = true;
		return;
	}
	if (c->snd_una == c->snd_nxt)
		return;
	/* R2 reached (RFC 9293 3.8.3); an orphan gets orphan_retries (Linux tcp_orphan_retries) */
	if (++c->rexmt_shift > (c->orphan ? c->cfg.orphan_retries : c->cfg.data_retries)) {
		if (c->orphan)
			c->stack->st.orphan_timeouts++;
		tcp_conn_closed(c, ETIMEDOUT);
		return;
	}
	/* RFC 2018 section 8 / RFC 6675 5.1: SACKed data at snd_una after a timeout means the
	 * receiver reneged (or lied): forget the SACK marks, so that everything is resent */
	if (c->sm.len && (tcp_sentmap_at(&c->sm, 0)->flags & TCP_SENT_SACKED)) {
		tcp_sentmap_clear_sacks(&c->sm);
		c->stack->st.sack_reneged++;
	}
	c->rto_timeouts++;
	c->stack->st.rto_timeouts++;
	tcp_rtt_backoff(&c->rtt);
	tcp_undo_on_rto(c, now); /* before the reduction: Eifel / D-SACK undo (RFC 3522, 3708) */
	tcp_note_loss_in_slow_start(c);
	c->cc_ops->on_rto(&c->cc, tcp_conn_pipe(c), now);
	/* RFC 6582 section 4: no fast retransmit for duplicate ACKs of data sent before the RTO */
	c->in_recovery = false;
	c->recover = c->snd_nxt;
	c->dupacks = 0;
	c->t_tlp = TCP_TIME_NEVER;
	c->tlp_pending = false;
	tcp_tlp_reset(c); /* RFC 8985 7.4.2 */
	tcp_sentmap_all_lost(&c->sm);
}

static void keep_expired(struct tcp_conn *c, tcp_time_t now)
{
	c->t_keep = TCP_TIME_NEVER;
	if (!c->cfg.keepalive || c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT)
		return;
	if (now - c->last_rcv < c->cfg.keep_idle && !c->keep_probes) {
		c->t_keep = c->last_rcv + c->cfg.keep_idle;
		return;
	}
	if (c->keep_probes >= c->cfg.keep_cnt) {
		tcp_conn_closed(c, ETIMEDOUT);
		return;
	}
	c->keep_probes++;
	c->keep_probe = true;
	c->t_keep = now + c->cfg.keep_intvl;
}

void tcp_conn_timers(struct tcp_conn *c, tcp_time_t now)
{
	if (c->t_2msl <= now) {
		c->t_2msl = TCP_TIME_NEVER;
		if (c->state == TCP_FIN_WAIT_2)
			c->stack->st.orphan_timeouts++;
		tcp_conn_closed(c, 0);
		return;
	}
	if (c->t_tlp <= now) {
		/* RFC 8985 7.2 / 7.3: a probe due at the RTO's time goes first (the RTO timer is
		 * re-armed now, and again once the probe is sent) */
		c->t_tlp = TCP_TIME_NEVER;
		c->tlp_pending = true;
		if (c->t_rexmt <= now)
			tcp_timer_arm_rexmt(c, now);
	}
	if (c->t_rexmt <= now) {
		rexmt_expired(c, now);
		if (c->state == TCP_CLOSED)
			return;
	}
	if (c->t_persist <= now) {
		c->t_persist = TCP_TIME_NEVER;
		bool pending = tcp_sndbuf_tail(c->sb) != c->snd_nxt ||
			       (c->fin_queued && !c->fin_sent);
		if (!c->snd_wnd && pending) {
			/* RFC 6429: a window kept closed may end the connection. An orphan gets
			 * orphan_retries probes (Linux tcp_probe_timer), others persist_max */
			if (c->orphan ? c->persist_shift >= c->cfg.orphan_retries
				      : c->cfg.persist_max && now - c->persist_since >= c->cfg.persist_max) {
				if (c->orphan)
					c->stack->st.orphan_timeouts++;
				else
					c->stack->st.persist_timeouts++;
				tcp_conn_closed(c, ETIMEDOUT);
				return;
			}
			c->probe_pending = true;
			c->persist_shift++;
			tcp_timer_arm_persist(c, now);
		}
	}
	if (c->t_delack <= now) {
		c->t_delack = TCP_TIME_NEVER;
		c->ack_now = true;
	}
	if (c->t_keep <= now) {
		keep_expired(c, now);
		if (c->state == TCP_CLOSED)
			return;
	}
	if (c->t_rack <= now) {
		c->t_rack = TCP_TIME_NEVER;
		tcp_rack_detect(c, now);
		if (c->in_recovery)
			tcp_prr_on_ack(c, 0);
		else if (c->sm.lost_bytes && !c->in_loss && SEQ_GEQ(c->snd_una, c->recover))
			tcp_enter_recovery(c, 0, now);
	}
	tcp_conn_touch(c);
}
