/* SPDX-License-Identifier: BSD-2-Clause */
/* Congestion control registry and the pieces NewReno and CUBIC share. */
#include "tcp/cc/cc.h"

#include <string.h>

uint32_t tcp_cc_smss(const struct tcp_cc *cc)
{
	if (cc->smss == 0)
		return TCP_CC_SMSS_DEFAULT;
	return cc->smss < TCP_CC_SMSS_MAX ? cc->smss : TCP_CC_SMSS_MAX;
}

uint32_t tcp_cc_initial_window(uint32_t smss)
{
	uint32_t lo = 2 * smss > 14600 ? 2 * smss : 14600;

	return 10 * smss < lo ? 10 * smss : lo;
}

uint32_t tcp_cc_slow_start(struct tcp_cc *cc, uint32_t acked)
{
	uint32_t room, inc;

	if (cc->cwnd >= cc->ssthresh)
		return acked;
	/* RFC 3465 section 2.2: increase by the bytes acked. Without its L = 2*SMSS limit per
	 * ACK, as Linux (tcp_slow_start): receivers that coalesce segments (GRO, LRO, a 64 KiB
	 * GSO frame delivered whole) send one ACK per tens of segments, and with L slow start
	 * would grow cwnd by two segments per round trip instead of doubling it. */
	inc = acked;
	room = cc->ssthresh - cc->cwnd;
	if (inc > room)
		inc = room;
	if (inc > TCP_CC_CWND_MAX - cc->cwnd)
		inc = cc->cwnd < TCP_CC_CWND_MAX ? TCP_CC_CWND_MAX - cc->cwnd : 0;
	cc->cwnd += inc;
	/* Bytes beyond the point where cwnd reached ssthresh count toward congestion avoidance. */
	return cc->cwnd >= cc->ssthresh && acked > inc ? acked - inc : 0;
}

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, "cubic") == 0)
		return &tcp_cc_cubic;
	if (strcmp(name, "newreno") == 0 || strcmp(name, "reno") == 0)
		return &tcp_cc_newreno;
	return NULL;
}

const struct tcp_cc_ops *tcp_cc_default(void)
{
	return &tcp_cc_cubic;
}

/* RFC 9406 section 4.1 constants. */
#define HYSTART_MIN_RTT_THRESH  (4 * TCP_MSEC)
#define HYSTART_MAX_RTT_THRESH  (16 * TCP_MSEC)
#define HYSTART_MIN_RTT_DIVISOR 8
#define HYSTART_N_RTT_SAMPLE    8
#define HYSTART_CSS_GROWTH_DIV  4
#define HYSTART_CSS_ROUNDS      5
/* CSS_GROWTH_DIVISOR and CSS_ROUNDS stay at the RFC's values: fewer rounds or a larger divisor
 * keep a deep queue from overflowing at the end of CSS (tests/sim test_tbf100: 88 segments lost
 * with 5 rounds, none with 1-3 or divisor 8) but fail test_reorder, where reordering raises the
 * round's minimum RTT and CSS is what keeps that from ending slow start early. */
/* RFC 9406 sections 4.2 and 4.3 grow cwnd by at most L*SMSS per ACK; L = infinity when
 * pacing, "it is RECOMMENDED that L = 8 when not pacing" (RFC 3465 byte counting). iotcp does not
 * pace (segments go to the NIC as the window allows), so L = 8, but in CSS only (section 4.3):
 * there the queue is already building, and a stretch ACK (GRO receivers ACK up to ~44 segments
 * at once) would otherwise add a quarter of what it covers, in a burst; with L = 8 the lab's
 * 10 ms / 100 Mbit tbf point (bench/paths, 3 runs) retransmits ~93 kB instead of ~410 kB (Linux
 * ~74 kB) at the same throughput (1.0x Linux). In slow start
 * proper (section 4.2) L = 8 against such ACKs grows cwnd ~1.2x per round instead of 2x: in the
 * lab, 100 ms / 1 Gbit fell to 0.32x Linux's throughput and 50 ms / unlimited to 0.28x, so
 * slow start keeps RFC 5681 growth without a per-ACK limit, as tcp_cc_slow_start and Linux. */
#define HYSTART_L 8u

void tcp_hystart_init(struct tcp_hystart *h)
{
	*h = (struct tcp_hystart){
		.last_round_min_rtt = TCP_TIME_NEVER,
		.cur_round_min_rtt = TCP_TIME_NEVER,
		.css_baseline_min_rtt = TCP_TIME_NEVER,
	};
}

void tcp_hystart_stop(struct tcp_hystart *h)
{
	h->done = true;
	h->in_css = false;
}

/* Section 4.2: at the start of each round, remember the last round's minimum and start anew. */
static void hystart_round_start(struct tcp_hystart *h, uint32_t flight)
{
	h->last_round_min_rtt = h->cur_round_min_rtt;
	h->cur_round_min_rtt = TCP_TIME_NEVER;
	h->rtt_sample_count = 0;
	h->round_left = flight;
	if (h->in_css && h->css_rounds < UINT8_MAX)
		h->css_rounds++;
}

/* Section 4.2: RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms). */
static bool hystart_delay_increased(const struct tcp_hystart *h)
{
	tcp_time_t thresh = h->last_round_min_rtt / HYSTART_MIN_RTT_DIVISOR;

	if (h->rtt_sample_count < HYSTART_N_RTT_SAMPLE || h->cur_round_min_rtt == TCP_TIME_NEVER ||
	    h->last_round_min_rtt == TCP_TIME_NEVER)
		return false;
	if (thresh < HYSTART_MIN_RTT_THRESH)
		thresh = HYSTART_MIN_RTT_THRESH;
	if (thresh > HYSTART_MAX_RTT_THRESH)
		thresh = HYSTART_MAX_RTT_THRESH;
	return h->cur_round_min_rtt >= h->last_round_min_rtt + thresh;
}

uint32_t tcp_hystart_on_ack(struct tcp_hystart *h, struct tcp_cc *cc,
			    const struct tcp_cc_ack *ack)
{
	uint32_t acked = ack->acked;

	if (h->done)
		return tcp_cc_slow_start(cc, acked);

	if (h->round_left == 0) {
		hystart_round_start(h, ack->flight);
		if (h->in_css && h->css_rounds >= HYSTART_CSS_ROUNDS) {
			/* CSS lasted CSS_ROUNDS rounds: enter congestion avoidance. */
			cc->ssthresh = cc->cwnd;
			tcp_hystart_stop(h);
			return acked;
		}
	}
	h->round_left -= acked < h->round_left ? acked : h->round_left;
	if (ack->rtt_sample) {
		if (ack->rtt_sample < h->cur_round_min_rtt)
			h->cur_round_min_rtt = ack->rtt_sample;
		h->rtt_sample_count++;
	}

	if (!h->in_css) {
		uint32_t left = tcp_cc_slow_start(cc, acked);

		if (hystart_delay_increased(h)) {
			h->css_baseline_min_rtt = h->cur_round_min_rtt;
			h->in_css = true;
			h->css_rounds = 0;
			cc->css_entries++;
		}
		return left;
	}

	/* CSS: a spurious exit (the RTT fell below the baseline) resumes slow start. */
	if (h->rtt_sample_count >= HYSTART_N_RTT_SAMPLE &&
	    h->cur_round_min_rtt < h->css_baseline_min_rtt) {
		h->css_baseline_min_rtt = TCP_TIME_NEVER;
		h->in_css = false;
		return tcp_cc_slow_start(cc, acked);
	}
	/* CSS growth: a quarter of slow start's, cwnd += min(N, L*SMSS) / CSS_GROWTH_DIVISOR
	 * (RFC 9406 4.3). */
	uint32_t cap = HYSTART_L * tcp_cc_smss(cc);
	uint32_t inc = (acked < cap ? acked : cap) / HYSTART_CSS_GROWTH_DIV;
	if (inc > cc->ssthresh - cc->cwnd)
		inc = cc->ssthresh - cc->cwnd;
	if (cc->cwnd < TCP_CC_CWND_MAX)
		cc->cwnd += inc < TCP_CC_CWND_MAX - cc->cwnd ? inc : TCP_CC_CWND_MAX - cc->cwnd;
	return 0;
}
