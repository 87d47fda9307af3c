/* SPDX-License-Identifier: BSD-2-Clause */
/* Path MTU discovery from ICMP errors: "fragmentation needed" (RFC 1191) and ICMPv6 Packet Too
 * Big (RFC 8201), with the checks of RFC 5927 section 5.1 against forged errors. The caller
 * decodes the ICMP message and the TCP header it quotes; this file only lowers the connection's
 * MSS and resends what the smaller path dropped. The lowered MSS lasts for the connection (no
 * later probe upward, RFC 8201 section 4's timer is not implemented). */
#include "tcp/seq.h"
#include "tcp/tcb.h"
#include "tcp/tuple.h"

/* RFC 8200 section 5: every IPv6 link carries 1280 bytes; RFC 8201 section 4: never below. */
#define PMTU_MIN6 1280u
/* IPv4: RFC 1191 allows down to 68; a floor as Linux's min_pmtu (552) keeps a forged error from
 * cutting a connection into tiny segments. A zero MTU (a pre-RFC 1191 router) means 576. */
#define PMTU_MIN4    552u
#define PMTU_OLD4    576u
#define IPV4_TCP_HDR 40u

int tcp_stack_pmtu(struct tcp_stack *s, const struct tcp_tuple *t, uint32_t seq, uint32_t mtu,
		   tcp_time_t now)
{
	struct tcp_conn *c = tcp_stack_lookup(s, t);
	(void)now;
	if (!c || c->state == TCP_CLOSED || c->state == TCP_LISTEN || c->state == TCP_TIME_WAIT) {
		s->st.pmtu_ignored++;
		return 0;
	}
	/* RFC 5927 5.1: the quoted segment must be one we sent and that is not yet acknowledged */
	if (!seq_in(seq, c->snd_una, c->snd_nxt)) {
		s->st.pmtu_ignored++;
		return 0;
	}
	uint32_t hdr = IPV4_TCP_HDR;
	if (t->family == TCP_AF_INET6) {
		hdr += TCP_IPV6_EXTRA;
		if (mtu < PMTU_MIN6)
			mtu = PMTU_MIN6;
	} else {
		if (!mtu)
			mtu = PMTU_OLD4;
		if (mtu < PMTU_MIN4)
			mtu = PMTU_MIN4;
	}
	uint32_t mss = mtu - hdr;
	uint32_t cur = c->pmtu_mss ? c->pmtu_mss : c->cfg.mss;
	if (mss >= cur || mss >= c->peer_mss) {
		s->st.pmtu_ignored++; /* RFC 8201 section 4: an increase is not a reason to grow */
		return 0;
	}
	c->pmtu_mss = (uint16_t)mss;
	uint16_t before = c->t_maxseg;
	tcp_conn_update_maxseg(c);
	c->cc.smss = c->t_maxseg;
	s->st.pmtu_lowered++;
	/* RFC 1191 section 6.5: the packets the error reports were dropped, not congested away:
	 * resend everything outstanding in the new size without a congestion response (Linux
	 * tcp_simple_retransmit). Entries become LOST, which takes them out of the pipe (RFC 6675)
	 * and lets the output path retransmit them, cut at the new MSS. */
	if (c->t_maxseg < before && c->snd_una != c->snd_nxt) {
		for (uint32_t i = 0; i < c->sm.len; i++)
			tcp_sentmap_mark_lost(&c->sm, i);
		/* as after an RTO but with cwnd and ssthresh kept: no fast recovery for the
		 * ACKs of data sent before now (RFC 6582 section 4), loss ends at the full ACK */
		if (!c->in_recovery && !c->in_loss) {
			c->in_loss = true;
			c->recover = c->snd_nxt;
			c->dupacks = 0;
		}
		tcp_conn_touch(c);
	}
	return 1;
}
