/* SPDX-License-Identifier: BSD-2-Clause */
/* RACK-TLP (RFC 8985) at the mechanism level: src/tcp/rack.c and the TLP timer of
 * src/tcp/timer.c driven directly on a connection block with a hand-made flight and a fixed
 * clock, not through a transfer. Each test names the rule it checks and the RFC section.
 *
 * The flight: FLIGHT segments of MSS bytes from ISS, segment i sent at T0 + i ms; one RTT
 * sample of 100 ms (SRTT = min_RTT = 100 ms, so min_RTT / 4 = 25 ms). */
#include <string.h>

#include "../check.h"
#include "tcp/tcb.h"

#define MSS    1000u
#define ISS    1000u
#define FLIGHT 10u
#define MS     TCP_MSEC
#define T0     (10 * TCP_SEC) /* RACK.xmit_ts 0 means "nothing delivered yet" */
#define RTT    (100 * MS)

static struct tcp_conn c;
static struct tcp_stack stack; /* statistics only */

static uint32_t seg_seq(unsigned i)
{
	return ISS + i * MSS;
}

static tcp_time_t seg_xmit(unsigned i)
{
	return T0 + i * MS;
}

/* The fixture: n segments in flight, nothing delivered, not in recovery. */
static void flight(unsigned n)
{
	tcp_sentmap_free(&c.sm);
	memset(&c, 0, sizeof(c));
	CHECK(tcp_sentmap_init(&c.sm) == 0);
	tcp_rtt_init(&c.rtt, 0, 0, 0);
	tcp_rtt_sample(&c.rtt, RTT);
	c.cfg.rack = true;
	c.cfg.delack = 40 * MS;
	c.sack_ok = true;
	c.t_maxseg = MSS;
	c.snd_una = c.snd_nxt = ISS;
	c.t_rexmt = c.t_tlp = c.t_rack = TCP_TIME_NEVER;
	memset(&stack, 0, sizeof(stack));
	c.stack = &stack;
	c.cc_ops = &tcp_cc_newreno;
	c.cc_ops->init(&c.cc, MSS, T0);
	c.cc.cwnd = 20 * MSS;
	for (unsigned i = 0; i < n; i++) {
		CHECK(tcp_sentmap_add(&c.sm, seg_seq(i), seg_seq(i) + MSS, seg_xmit(i), 0) == 0);
		c.snd_nxt += MSS;
	}
}

/* Segments first..last (inclusive) SACKed at now, and RACK told, as tcp_input does: the newest
 * delivered segment updates RACK (section 6.2 step 2). */
static void sack(unsigned first, unsigned last, tcp_time_t now)
{
	struct tcp_sack_block b = {.start = seg_seq(first), .end = seg_seq(last) + MSS};
	struct tcp_sent_acked a;

	memset(&a, 0, sizeof(a));
	tcp_sentmap_sack(&c.sm, &b, 1, MSS, &a);
	tcp_rack_update(&c, &(struct tcp_sent){.xmit = seg_xmit(last), .end = seg_seq(last) + MSS},
			now);
}

static bool lost(unsigned i)
{
	for (uint32_t k = 0; k < c.sm.len; k++) {
		const struct tcp_sent *e = tcp_sentmap_at(&c.sm, k);
		if (e->seq == seg_seq(i))
			return (e->flags & TCP_SENT_LOST) != 0;
	}
	return false;
}

/* --- the reordering window, section 6.2 step 4 (RACK_update_reo_wnd) --- */

/* Before any reordering is seen and outside recovery: min_RTT / 4. */
static void test_reo_wnd_is_quarter_min_rtt(void)
{
	flight(FLIGHT);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), RTT / 4);
}

/* No reordering seen and in (fast or RTO) recovery: zero, the RFC 6675 behaviour. */
static void test_reo_wnd_zero_in_recovery(void)
{
	flight(FLIGHT);
	c.in_recovery = true;
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 0);
	c.in_recovery = false;
	c.in_loss = true;
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 0);
}

/* No reordering seen and DupThresh (3) segments SACKed: zero. */
static void test_reo_wnd_zero_at_dupthresh_sacked(void)
{
	flight(FLIGHT);
	sack(1, 2, seg_xmit(2) + RTT);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), RTT / 4); /* two SACKed: still a window */
	sack(3, 3, seg_xmit(3) + RTT);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 0);
	/* once reordering was seen the window stays, DupThresh or not */
	c.rack_reordering_seen = true;
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), RTT / 4);
}

/* No RTT sample yet: no window. */
static void test_reo_wnd_zero_without_rtt_sample(void)
{
	flight(FLIGHT);
	tcp_rtt_init(&c.rtt, 0, 0, 0);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 0);
}

/* D-SACK widens the window by one min_RTT / 4 step once per round trip (RACK.dsack_round). */
static void test_reo_wnd_widens_once_per_round_on_dsack(void)
{
	flight(FLIGHT);
	tcp_rack_on_dsack(&c);
	CHECK(c.rack_reordering_seen);
	CHECK_EQ_U64(c.rack_reo_wnd_mult, 2);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 2 * (RTT / 4));
	tcp_rack_on_dsack(&c); /* the same round: no change */
	CHECK_EQ_U64(c.rack_reo_wnd_mult, 2);
	c.snd_una = c.snd_nxt; /* the round ended (snd_una passed RACK.dsack_round) */
	c.snd_nxt += MSS;
	tcp_rack_on_dsack(&c);
	CHECK_EQ_U64(c.rack_reo_wnd_mult, 3);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 3 * (RTT / 4));
}

/* The window never exceeds SRTT. */
static void test_reo_wnd_bounded_by_srtt(void)
{
	flight(FLIGHT);
	c.rack_reordering_seen = true;
	c.rack_reo_wnd_mult = 8; /* 8 * 25 ms = 200 ms > SRTT */
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), c.rtt.srtt);
	CHECK_EQ_U64(c.rtt.srtt, RTT);
}

/* A widened window lasts 16 recoveries without D-SACK (RACK.reo_wnd_persist), then drops back
 * to min_RTT / 4. */
static void test_reo_wnd_back_after_16_recoveries(void)
{
	flight(FLIGHT);
	tcp_rack_on_dsack(&c);
	CHECK_EQ_U64(c.rack_reo_wnd_mult, 2);
	for (int i = 0; i < 15; i++)
		tcp_rack_on_recovery_exit(&c);
	CHECK_EQ_U64(c.rack_reo_wnd_mult, 2);
	tcp_rack_on_recovery_exit(&c);
	CHECK_EQ_U64(c.rack_reo_wnd_mult, 1);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), RTT / 4);
}

/* "Exiting Fast or RTO recovery": RTO recoveries count toward reo_wnd_persist as well (they
 * did not: on a path whose losses end in timeouts the widened window never shrank). */
static void test_reo_wnd_back_after_16_rto_recoveries(void)
{
	flight(FLIGHT);
	tcp_rack_on_dsack(&c);
	CHECK_EQ_U64(c.rack_reo_wnd_mult, 2);
	for (int i = 0; i < 16; i++) {
		c.in_loss = true;
		tcp_exit_loss(&c);
		CHECK(!c.in_loss);
		CHECK_EQ_U64(c.rack_reo_wnd_mult, i < 15 ? 2 : 1);
	}
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), RTT / 4);
}

/* Section 6.2 step 3: a never-retransmitted segment delivered below RACK.fack was reordered.
 * The degree is kept in segments (as Linux's tp->reordering) and the extent in time (how much
 * later than RACK.rtt after its send it came) widens the window, within SRTT. */
static void test_reordering_sets_degree_and_extent(void)
{
	flight(FLIGHT);
	sack(3, 3, seg_xmit(3) + RTT);
	tcp_rack_reordered(&c, 3 * MSS, seg_xmit(0), seg_xmit(0) + 180 * MS);
	CHECK(c.rack_reordering_seen);
	CHECK_EQ_U64(c.reordering, 3);
	CHECK_EQ_U64(c.rack_reo_extent, 80 * MS); /* 180 ms after its send, RACK.rtt 100 ms */
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 80 * MS);
	/* the extent lasts 16 recoveries without reordering */
	for (int i = 0; i < 16; i++)
		tcp_rack_on_recovery_exit(&c);
	CHECK_EQ_U64(c.rack_reo_extent, 0);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), RTT / 4);
}

/* --- RACK state and loss detection, sections 6.2 steps 2 and 5, 6.3 --- */

/* Step 2: RACK.xmit_ts / end_seq follow the most recently sent delivered segment; RACK.rtt the
 * latest delivery. */
static void test_update_tracks_newest_sent_delivered(void)
{
	flight(FLIGHT);
	tcp_rack_update(&c, &(struct tcp_sent){.xmit = seg_xmit(5), .end = seg_seq(6)},
			seg_xmit(5) + RTT);
	CHECK_EQ_U64(c.rack_xmit, seg_xmit(5));
	CHECK_EQ_U64(c.rack_end, seg_seq(6));
	CHECK_EQ_U64(c.rack_rtt, RTT);
	/* an older segment delivered later: RACK.rtt changes, the newest send time does not */
	tcp_rack_update(&c, &(struct tcp_sent){.xmit = seg_xmit(2), .end = seg_seq(3)},
			seg_xmit(2) + 120 * MS);
	CHECK_EQ_U64(c.rack_xmit, seg_xmit(5));
	CHECK_EQ_U64(c.rack_end, seg_seq(6));
	CHECK_EQ_U64(c.rack_rtt, 120 * MS);
	/* the same send time, a higher end: end_seq breaks the tie */
	tcp_rack_update(&c, &(struct tcp_sent){.xmit = seg_xmit(5), .end = seg_seq(7)},
			seg_xmit(5) + RTT);
	CHECK_EQ_U64(c.rack_end, seg_seq(7));
}

/* Step 2: a retransmitted segment delivered sooner than min_RTT after its retransmission was
 * delivered by its original: ignored. */
static void test_update_ignores_spurious_retransmission_ack(void)
{
	flight(FLIGHT);
	tcp_rack_update(&c, &(struct tcp_sent){.xmit = seg_xmit(1), .end = seg_seq(2)},
			seg_xmit(1) + RTT);
	tcp_time_t rexmit_at = seg_xmit(9) + 50 * MS;
	tcp_rack_update(
	    &c,
	    &(struct tcp_sent){.xmit = rexmit_at, .end = seg_seq(1), .flags = TCP_SENT_EVER_RETX},
	    rexmit_at + 10 * MS);
	CHECK_EQ_U64(c.rack_xmit, seg_xmit(1));
	CHECK_EQ_U64(c.rack_rtt, RTT);
	/* delivered later than min_RTT: a real sample */
	tcp_rack_update(
	    &c,
	    &(struct tcp_sent){.xmit = rexmit_at, .end = seg_seq(1), .flags = TCP_SENT_EVER_RETX},
	    rexmit_at + RTT);
	CHECK_EQ_U64(c.rack_xmit, rexmit_at);
}

/* Step 5 / 6.3 RACK_detect_loss: segment 0 is lost once RACK.rtt + reo_wnd has passed since it
 * was sent (100 ms + 25 ms), not a nanosecond before; and the RACK timer is armed for
 * exactly that moment. */
static void test_lost_after_rtt_plus_reo_wnd(void)
{
	flight(FLIGHT);
	sack(1, 1, seg_xmit(1) + RTT);
	tcp_time_t deadline = seg_xmit(0) + RTT + RTT / 4;
	tcp_rack_detect(&c, seg_xmit(1) + RTT);
	CHECK(!lost(0));
	CHECK_EQ_U64(c.t_rack, deadline);
	tcp_rack_detect(&c, deadline - 1);
	CHECK(!lost(0));
	tcp_rack_detect(&c, deadline);
	CHECK(lost(0));
	CHECK_EQ_U64(c.sm.lost_bytes, MSS);
	CHECK_EQ_U64(c.t_rack, TCP_TIME_NEVER); /* nothing more may become lost */
}

/* 6.3: with DupThresh SACKed and no reordering seen the window is zero: the hole is lost as soon
 * as RACK.rtt has passed since its send. */
static void test_lost_at_once_with_zero_reo_wnd(void)
{
	flight(FLIGHT);
	sack(1, 3, seg_xmit(3) + RTT);
	tcp_rack_detect(&c, seg_xmit(3) + RTT);
	CHECK(lost(0));
	CHECK(!lost(4)); /* above RACK.end_seq: not judged */
	CHECK_EQ_U64(c.t_rack, TCP_TIME_NEVER);
}

/* 6.3: the RACK timer waits for the earliest segment that may still become lost; segments
 * at or above RACK.end_seq, or sent after RACK.xmit_ts (retransmissions), are not judged. */
static void test_rack_timer_earliest_pending_deadline(void)
{
	flight(FLIGHT);
	c.rack_reordering_seen = true; /* keeps the 25 ms window with three SACKed */
	sack(4, 6, seg_xmit(6) + RTT);
	/* segment 2 was retransmitted after segment 6 was sent */
	for (uint32_t k = 0; k < c.sm.len; k++)
		if (tcp_sentmap_at(&c.sm, k)->seq == seg_seq(2))
			tcp_sentmap_retransmitted(&c.sm, k, seg_xmit(6) + 10 * MS);
	tcp_time_t now = seg_xmit(6) + RTT;
	tcp_rack_detect(&c, now);
	/* segment 0: sent 6 ms before RACK.xmit_ts, deadline T0 + 125 ms > now = T0 + 106 ms */
	CHECK(!lost(0) && !lost(1) && !lost(2) && !lost(3));
	CHECK_EQ_U64(c.t_rack, seg_xmit(0) + RTT + RTT / 4);
	tcp_rack_detect(&c, c.t_rack);
	CHECK(lost(0));
	CHECK(!lost(1));
	CHECK_EQ_U64(c.t_rack, seg_xmit(1) + RTT + RTT / 4);
	tcp_rack_detect(&c, seg_xmit(3) + RTT + RTT / 4);
	CHECK(lost(1) && lost(3));
	CHECK(!lost(2)); /* its retransmission is newer than RACK.xmit_ts */
	CHECK(!lost(7));
}

/* Nothing SACKed: RACK has nothing to compare against and arms nothing. */
static void test_no_detection_without_sacked_data(void)
{
	flight(FLIGHT);
	tcp_rack_update(&c, &(struct tcp_sent){.xmit = seg_xmit(1), .end = seg_seq(2)},
			seg_xmit(1) + RTT);
	tcp_rack_detect(&c, seg_xmit(9) + 10 * RTT);
	CHECK_EQ_U64(c.sm.lost_bytes, 0);
	CHECK_EQ_U64(c.t_rack, TCP_TIME_NEVER);
}

/* --- the tail loss probe timer, section 7.2 --- */

/* PTO = 2 * SRTT with more than one segment in flight. */
static void test_pto_is_two_srtt(void)
{
	flight(FLIGHT);
	tcp_time_t now = seg_xmit(FLIGHT - 1);
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, now + 2 * RTT);
}

/* One segment in flight: PTO adds the worst-case delayed ACK time (WCDelAckT), 200 ms, or the
 * configured delayed ACK timeout when that is longer. */
static void test_pto_adds_delack_allowance_for_one_segment(void)
{
	flight(1);
	tcp_time_t now = seg_xmit(0);
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, now + 2 * RTT + 200 * MS);
	c.cfg.delack = 300 * MS;
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, now + 2 * RTT + 300 * MS);
}

/* A very short SRTT: PTO is at least 10 ms (timer granularity; the RFC sets no floor). */
static void test_pto_at_least_10ms(void)
{
	flight(FLIGHT);
	tcp_rtt_init(&c.rtt, 0, 0, 0);
	tcp_rtt_sample(&c.rtt, 1 * MS);
	tcp_timer_arm_tlp(&c, T0);
	CHECK_EQ_U64(c.t_tlp, T0 + 10 * MS);
}

/* Section 7.2: an RTO due before the PTO: the probe is scheduled at the RTO's time instead
 * (tcp_conn_timers then sends the probe and re-arms the RTO). */
static void test_probe_at_rto_time_when_rto_first(void)
{
	flight(FLIGHT);
	tcp_time_t now = seg_xmit(FLIGHT - 1);
	c.t_rexmt = now + 2 * RTT - 1;
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, now + 2 * RTT - 1);
	c.t_rexmt = now + 2 * RTT + 1;
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, now + 2 * RTT);
}

/* Section 7.2's preconditions: RACK on, SACK negotiated, not in recovery, data in flight, an RTT
 * sample, no RTO backoff in force. Each missing one: no probe. */
static void test_no_probe_when_preconditions_fail(void)
{
	tcp_time_t now = seg_xmit(FLIGHT - 1);

	flight(FLIGHT);
	c.cfg.rack = false;
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
	flight(FLIGHT);
	c.sack_ok = false;
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
	flight(FLIGHT);
	c.in_recovery = true;
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
	flight(0);
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
	flight(FLIGHT);
	tcp_rtt_init(&c.rtt, 0, 0, 0);
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
	flight(FLIGHT);
	c.rexmt_shift = 1;
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
}

/* ext_echo: the newest range's send time is not known until the NIC reports it: no probe yet. */
static void test_no_probe_before_nic_reports_send(void)
{
	flight(FLIGHT);
	tcp_sentmap_at(&c.sm, c.sm.len - 1)->flags |= TCP_SENT_ECHO_WAIT;
	tcp_timer_arm_tlp(&c, seg_xmit(FLIGHT - 1));
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
}

/* Section 7.2 condition 2 and 7.3 condition 1: no probe while something is SACKed (RACK's
 * timer covers that flight), in RTO recovery, or while a probe is outstanding. */
static void test_no_probe_when_sacked_in_loss_or_outstanding(void)
{
	tcp_time_t now = seg_xmit(FLIGHT - 1);

	flight(FLIGHT);
	sack(5, 5, now);
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
	flight(FLIGHT);
	c.in_loss = true;
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
	flight(FLIGHT);
	tcp_tlp_sent(&c, true, seg_seq(FLIGHT - 1));
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, TCP_TIME_NEVER);
	tcp_tlp_reset(&c);
	tcp_timer_arm_tlp(&c, now);
	CHECK_EQ_U64(c.t_tlp, now + 2 * RTT);
}

/* --- loss probe episodes, section 7.4 --- */

/* The probe retransmitted the last segment; returns the cwnd before any ACK. */
static uint32_t probe_last(void)
{
	flight(FLIGHT);
	tcp_tlp_sent(&c, true, seg_seq(FLIGHT - 1));
	CHECK(c.tlp_end_set && c.tlp_is_retrans);
	CHECK_EQ_U64(c.tlp_end, c.snd_nxt); /* 7.4.3: TLP.end_seq = SND.NXT */
	return c.cc.cwnd;
}

static struct tcp_sack_block block(unsigned first, unsigned last)
{
	return (struct tcp_sack_block){.start = seg_seq(first), .end = seg_seq(last) + MSS};
}

/* 7.4.4: ACKs below TLP.end_seq say nothing about the probe; the ACK at TLP.end_seq is
 * ambiguous (the original or the probe) and waits; the next ACK beyond it with no D-SACK
 * means the probe alone delivered the data: cwnd is reduced once (NewReno: to half). */
static void test_tlp_ack_beyond_end_reduces_cwnd(void)
{
	uint32_t cwnd = probe_last();
	tcp_tlp_on_ack(&c, seg_seq(5), NULL, false, T0 + RTT);
	CHECK(c.tlp_end_set);
	tcp_tlp_on_ack(&c, c.tlp_end, NULL, false, T0 + RTT);
	CHECK(c.tlp_end_set);
	CHECK_EQ_U64(c.cc.cwnd, cwnd);
	tcp_tlp_on_ack(&c, c.tlp_end + MSS, NULL, false, T0 + 2 * RTT);
	CHECK(!c.tlp_end_set);
	CHECK_EQ_U64(c.cc.ssthresh, cwnd / 2);
	CHECK_EQ_U64(c.cc.cwnd, cwnd / 2);
	CHECK_EQ_U64(stack.st.tlp_recoveries, 1);
	/* the episode is over: later ACKs change nothing */
	tcp_tlp_on_ack(&c, c.tlp_end + 2 * MSS, NULL, false, T0 + 3 * RTT);
	CHECK_EQ_U64(c.cc.cwnd, cwnd / 2);
	CHECK_EQ_U64(stack.st.tlp_recoveries, 1);
}

/* 7.4.4: a D-SACK for the probe: the original arrived too, the retransmission was redundant. */
static void test_tlp_dsack_for_probe_no_reduction(void)
{
	uint32_t cwnd = probe_last();
	struct tcp_sack_block d = block(FLIGHT - 1, FLIGHT - 1);
	tcp_tlp_on_ack(&c, c.tlp_end, &d, false, T0 + RTT);
	CHECK(!c.tlp_end_set);
	tcp_tlp_on_ack(&c, c.tlp_end + MSS, NULL, false, T0 + 2 * RTT);
	CHECK_EQ_U64(c.cc.cwnd, cwnd);
	CHECK_EQ_U64(stack.st.tlp_recoveries, 0);
	/* the probe carried our FIN: the receiver's D-SACK covers the data only */
	probe_last();
	tcp_sentmap_at(&c.sm, c.sm.len - 1)->end++;
	c.snd_nxt++;
	tcp_tlp_sent(&c, true, seg_seq(FLIGHT - 1));
	tcp_tlp_on_ack(&c, c.tlp_end, &d, false, T0 + RTT);
	CHECK(!c.tlp_end_set);
}

/* A D-SACK for some other segment does not speak for the probe. */
static void test_tlp_other_dsack_still_reduces(void)
{
	uint32_t cwnd = probe_last();
	struct tcp_sack_block d = block(2, 2);
	tcp_tlp_on_ack(&c, c.tlp_end + MSS, &d, false, T0 + RTT);
	CHECK(!c.tlp_end_set);
	CHECK_EQ_U64(c.cc.cwnd, cwnd / 2);
	CHECK_EQ_U64(stack.st.tlp_recoveries, 1);
}

/* 7.4.4: a duplicate ACK at TLP.end_seq without SACK blocks (a receiver that sends no D-SACK
 * got the probe as a duplicate): assume no loss. */
static void test_tlp_pure_dupack_ends_episode(void)
{
	uint32_t cwnd = probe_last();
	tcp_tlp_on_ack(&c, c.tlp_end, NULL, false, T0 + RTT);
	tcp_tlp_on_ack(&c, c.tlp_end, NULL, true, T0 + RTT);
	CHECK(!c.tlp_end_set);
	tcp_tlp_on_ack(&c, c.tlp_end + MSS, NULL, false, T0 + 2 * RTT);
	CHECK_EQ_U64(c.cc.cwnd, cwnd);
}

/* 7.4.4: a probe of new data (TLP.is_retrans false) ends its episode when acknowledged. */
static void test_tlp_new_data_probe_no_reduction(void)
{
	flight(FLIGHT);
	uint32_t cwnd = c.cc.cwnd;
	c.snd_nxt += MSS; /* the probe: one new segment */
	tcp_tlp_sent(&c, false, seg_seq(FLIGHT));
	CHECK(c.tlp_end_set && !c.tlp_is_retrans);
	tcp_tlp_on_ack(&c, c.snd_nxt, NULL, false, T0 + RTT);
	CHECK(!c.tlp_end_set);
	CHECK_EQ_U64(c.cc.cwnd, cwnd);
	CHECK_EQ_U64(stack.st.tlp_recoveries, 0);
}

/* 7.4.2: entering fast recovery ends the episode (the recovery reacts to the loss). */
static void test_tlp_reset_by_fast_recovery(void)
{
	probe_last();
	tcp_enter_recovery(&c, 0, T0 + RTT);
	CHECK(!c.tlp_end_set);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_reo_wnd_is_quarter_min_rtt);
	RUN(test_reo_wnd_zero_in_recovery);
	RUN(test_reo_wnd_zero_at_dupthresh_sacked);
	RUN(test_reo_wnd_zero_without_rtt_sample);
	RUN(test_reo_wnd_widens_once_per_round_on_dsack);
	RUN(test_reo_wnd_bounded_by_srtt);
	RUN(test_reo_wnd_back_after_16_recoveries);
	RUN(test_reo_wnd_back_after_16_rto_recoveries);
	RUN(test_reordering_sets_degree_and_extent);
	RUN(test_update_tracks_newest_sent_delivered);
	RUN(test_update_ignores_spurious_retransmission_ack);
	RUN(test_lost_after_rtt_plus_reo_wnd);
	RUN(test_lost_at_once_with_zero_reo_wnd);
	RUN(test_rack_timer_earliest_pending_deadline);
	RUN(test_no_detection_without_sacked_data);
	RUN(test_pto_is_two_srtt);
	RUN(test_pto_adds_delack_allowance_for_one_segment);
	RUN(test_pto_at_least_10ms);
	RUN(test_probe_at_rto_time_when_rto_first);
	RUN(test_no_probe_when_preconditions_fail);
	RUN(test_no_probe_before_nic_reports_send);
	RUN(test_no_probe_when_sacked_in_loss_or_outstanding);
	RUN(test_tlp_ack_beyond_end_reduces_cwnd);
	RUN(test_tlp_dsack_for_probe_no_reduction);
	RUN(test_tlp_other_dsack_still_reduces);
	RUN(test_tlp_pure_dupack_ends_episode);
	RUN(test_tlp_new_data_probe_no_reduction);
	RUN(test_tlp_reset_by_fast_recovery);
	tcp_sentmap_free(&c.sm);
	RUN_DONE();
}
