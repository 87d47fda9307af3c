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
	/* RACK.reo_wnd = min_rtt / 4 (section 6.2 step 4, without the DSACK adaptation) */
	tcp_time_t reo = c->rtt.has_sample ? c->rtt.min_rtt / 4 : 0;
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
