/* SPDX-License-Identifier: BSD-2-Clause */
/* Send and receive buffer auto-tuning: the send buffer grows with cwnd, the receive buffer with
 * the bytes the peer delivers per receiver RTT (RFC 7323 section 4 timestamps; Linux's
 * tcp_rcv_space_adjust does the same job). */
#include "tcp/tcb.h"

void tcp_sndbuf_autotune(struct tcp_conn *c)
{
	if (!c->cfg.sndbuf_auto || c->cfg.sndbuf >= c->cfg.sndbuf_max)
		return;
	/* like Linux: room for about two congestion windows (one in flight, one queued) */
	uint64_t want = 2 * (uint64_t)c->cc.cwnd;
	if (want <= c->cfg.sndbuf)
		return;
	if (want > c->cfg.sndbuf_max)
		want = c->cfg.sndbuf_max;
	if (tcp_sndbuf_resize(c->sb, (uint32_t)want) == 0)
		c->cfg.sndbuf = (uint32_t)want;
}

/* Receiver RTT from our own timestamps echoed in data segments (RFC 7323 section 4). */
static void rcv_rtt_sample(struct tcp_conn *c, const struct tcp_hdr *h, tcp_time_t now)
{
	if (!c->ts_ok || !(h->opts.present & TCP_OPT_F_TS) || !h->opts.ts_ecr)
		return;
	uint32_t ms = tcp_ts_now(c, now) - h->opts.ts_ecr;
	if (ms > 60000)
		return; /* not one of ours, or absurd */
	tcp_time_t rtt = (ms ? ms : 1) * (tcp_time_t)TCP_MSEC;
	/* keep near the minimum: delayed ACKs and queues only inflate samples */
	if (!c->rcv_rtt || rtt < c->rcv_rtt)
		c->rcv_rtt = rtt;
	else
		c->rcv_rtt = (7 * c->rcv_rtt + rtt) / 8;
}

void tcp_rcvbuf_autotune(struct tcp_conn *c, const struct tcp_hdr *h, tcp_time_t now)
{
	if (!c->cfg.rcvbuf_auto)
		return;
	rcv_rtt_sample(c, h, now);
	tcp_time_t rtt = c->rcv_rtt ? c->rcv_rtt : (c->rtt.has_sample ? c->rtt.srtt : 0);
	if (!rtt || c->cfg.rcvbuf >= c->cfg.rcvbuf_max)
		return;
	if (!c->rcv_space_time) {
		c->rcv_space_time = now;
		c->rcv_space_seq = c->rcv_nxt;
		return;
	}
	if (now - c->rcv_space_time < rtt)
		return;
	/* RFC 7323 section 2.2 spirit: the window should cover what the sender delivers per RTT,
	 * doubled so a sender in slow start is not window-limited in the next round */
	uint64_t copied = c->rcv_nxt - c->rcv_space_seq;
	uint64_t want = 2 * copied + 4 * (uint64_t)c->t_maxseg;
	c->rcv_space_time = now;
	c->rcv_space_seq = c->rcv_nxt;
	if (want <= c->cfg.rcvbuf)
		return;
	if (want > c->cfg.rcvbuf_max)
		want = c->cfg.rcvbuf_max;
	if (tcp_rcvbuf_resize(c->rb, (uint32_t)want) == 0) {
		c->cfg.rcvbuf = (uint32_t)want;
		tcp_rcvbuf_fit_ooo(c);
	}
}

void tcp_rcvbuf_fit_ooo(struct tcp_conn *c)
{
	/* RFC 9293 3.10.7.4 lets the receiver discard out-of-order data, but every segment it
	 * discards is lost to the sender, which sees no SACK progress: pipe stays up and PRR
	 * sends nothing until the RTO. A drop-tail queue overflowing under a large window
	 * drops about every other segment, so hold up to one range per two full segments. */
	tcp_rcvbuf_set_ooo_limit(c->rb, c->cfg.rcvbuf / (2u * c->cfg.mss));
}
