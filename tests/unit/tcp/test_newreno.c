/* SPDX-License-Identifier: BSD-2-Clause */
/* NewReno (RFC 5681, RFC 3465, RFC 6928) driven by synthetic ACK clocks, plus the registry. */
#include <string.h>

#include "../check.h"
#include "tcp/cc/cc.h"

#define SMSS 1460u

/* One round trip: the whole window is acknowledged, one ACK per SMSS, spread over rtt. */
static tcp_time_t run_rtt(struct tcp_cc *cc, const struct tcp_cc_ops *ops, tcp_time_t now,
			  tcp_time_t rtt, bool app_limited)
{
	uint32_t flight = cc->cwnd, segs = cc->cwnd / cc->smss;
	struct tcp_cc_ack ack = {.acked = cc->smss,
				 .flight = flight,
				 .srtt = rtt,
				 .min_rtt = rtt,
				 .app_limited = app_limited};

	for (uint32_t i = 0; i < segs; i++) {
		now += rtt / segs;
		ops->on_ack(cc, &ack, now);
		ack.flight -= ack.acked;
	}
	return now;
}

static void test_initial_window(void)
{
	struct tcp_cc cc;
	const struct tcp_cc_ops *nr = &tcp_cc_newreno;

	nr->init(&cc, 1460, 0);
	CHECK_EQ_U64(cc.cwnd, 14600); /* min(14600, max(2920, 14600)) */
	CHECK_EQ_U64(cc.ssthresh, UINT32_MAX);
	nr->init(&cc, 536, 0);
	CHECK_EQ_U64(cc.cwnd, 5360); /* 10 * 536 */
	nr->init(&cc, 9000, 0);
	CHECK_EQ_U64(cc.cwnd, 18000); /* 2 * 9000 */
	nr->init(&cc, 0, 0);	      /* nonsense MSS: treated as 536, no division by zero */
	CHECK_EQ_U64(cc.cwnd, 5360);
	CHECK_EQ_U64(tcp_cc_initial_window(1000), 10000);
	CHECK_EQ_U64(tcp_cc_initial_window(2000), 14600);
}

static void test_slow_start(void)
{
	struct tcp_cc cc;
	const struct tcp_cc_ops *nr = &tcp_cc_newreno;
	tcp_time_t now = 0;

	nr->init(&cc, SMSS, now);
	/* Each RTT the window doubles: 10, 20, 40, 80, 160, 320 segments. */
	for (uint32_t segs = 10; segs <= 160; segs *= 2) {
		CHECK_EQ_U64(cc.cwnd, segs * SMSS);
		now = run_rtt(&cc, nr, now, 10 * TCP_MSEC, false);
	}
	CHECK_EQ_U64(cc.cwnd, 320 * SMSS);

	/* A stretch ACK of 10 segments (a receiver coalescing with GRO) grows cwnd by all 10,
	 * as Linux does: RFC 3465's L = 2 SMSS would stall slow start behind such receivers. */
	uint32_t before = cc.cwnd;
	struct tcp_cc_ack big = {.acked = 10 * SMSS, .flight = cc.cwnd};
	nr->on_ack(&cc, &big, now);
	CHECK_EQ_U64(cc.cwnd, before + 10 * SMSS);

	/* No growth while application-limited. */
	before = cc.cwnd;
	now = run_rtt(&cc, nr, now, 10 * TCP_MSEC, true);
	CHECK_EQ_U64(cc.cwnd, before);

	/* An ACK acknowledging nothing changes nothing. */
	struct tcp_cc_ack none = {.acked = 0, .flight = cc.cwnd};
	nr->on_ack(&cc, &none, now);
	CHECK_EQ_U64(cc.cwnd, before);
}

static void test_congestion_avoidance(void)
{
	struct tcp_cc cc;
	const struct tcp_cc_ops *nr = &tcp_cc_newreno;
	tcp_time_t now = 0;

	nr->init(&cc, SMSS, now);
	cc.cwnd = 100 * SMSS;
	/* Loss: ssthresh = FlightSize / 2; the core recovers and ends with cwnd = ssthresh. */
	nr->on_congestion(&cc, 100 * SMSS, now);
	CHECK_EQ_U64(cc.ssthresh, 50 * SMSS);
	nr->on_recovery_end(&cc, now);
	CHECK_EQ_U64(cc.cwnd, 50 * SMSS);

	/* Congestion avoidance: exactly one SMSS per RTT (a cwnd's worth of bytes acked). */
	for (uint32_t i = 1; i <= 20; i++) {
		now = run_rtt(&cc, nr, now, 10 * TCP_MSEC, false);
		CHECK_EQ_U64(cc.cwnd, (50 + i) * SMSS);
	}

	/* Byte-accurate counting: ACKs of 1000 bytes need cwnd bytes for one SMSS. */
	uint32_t start = cc.cwnd, acked = 0;
	struct tcp_cc_ack ack = {.acked = 1000, .flight = cc.cwnd};
	while (acked + 1000 < start) {
		nr->on_ack(&cc, &ack, now);
		acked += 1000;
	}
	CHECK_EQ_U64(cc.cwnd, start);
	nr->on_ack(&cc, &ack, now);
	CHECK_EQ_U64(cc.cwnd, start + SMSS);

	/* No growth in congestion avoidance while application-limited. */
	start = cc.cwnd;
	for (int i = 0; i < 5; i++)
		now = run_rtt(&cc, nr, now, 10 * TCP_MSEC, true);
	CHECK_EQ_U64(cc.cwnd, start);

	/* ssthresh never drops below 2 SMSS. */
	nr->on_congestion(&cc, 1000, now);
	CHECK_EQ_U64(cc.ssthresh, 2 * SMSS);
}

static void test_ss_to_ca_boundary(void)
{
	struct tcp_cc cc;
	const struct tcp_cc_ops *nr = &tcp_cc_newreno;

	nr->init(&cc, SMSS, 0);
	cc.cwnd = 9 * SMSS;
	cc.ssthresh = 10 * SMSS;
	/* Slow start stops at ssthresh; the rest of the ACK counts toward avoidance. */
	struct tcp_cc_ack ack = {.acked = 2 * SMSS, .flight = cc.cwnd};
	nr->on_ack(&cc, &ack, 0);
	CHECK_EQ_U64(cc.cwnd, 10 * SMSS);
	ack.acked = 9 * SMSS; /* 1 + 9 = cwnd's worth: one SMSS more */
	nr->on_ack(&cc, &ack, 0);
	CHECK_EQ_U64(cc.cwnd, 11 * SMSS);
}

static void test_rto_and_idle(void)
{
	struct tcp_cc cc;
	const struct tcp_cc_ops *nr = &tcp_cc_newreno;
	struct tcp_cc_ack ack = {.acked = SMSS};

	nr->init(&cc, SMSS, 0);
	cc.cwnd = 80 * SMSS;
	/* RFC 5681 eq. (4): ssthresh = max(FlightSize/2, 2 SMSS), cwnd = LW = 1 SMSS. */
	nr->on_rto(&cc, 60 * SMSS, 0);
	CHECK_EQ_U64(cc.ssthresh, 30 * SMSS);
	CHECK_EQ_U64(cc.cwnd, SMSS);
	/* The same segment times out again: ssthresh is held constant. */
	nr->on_rto(&cc, SMSS, 0);
	CHECK_EQ_U64(cc.ssthresh, 30 * SMSS);
	CHECK_EQ_U64(cc.cwnd, SMSS);
	/* After new data is acked, a later timeout recomputes ssthresh. */
	nr->on_ack(&cc, &ack, 0);
	CHECK_EQ_U64(cc.cwnd, 2 * SMSS); /* slow start again */
	nr->on_rto(&cc, 2 * SMSS, 0);
	CHECK_EQ_U64(cc.ssthresh, 2 * SMSS);

	/* Idle restart (RFC 5681 section 4.1): cwnd = min(cwnd, IW). */
	cc.cwnd = 50 * SMSS;
	nr->on_idle(&cc, 0);
	CHECK_EQ_U64(cc.cwnd, 10 * SMSS);
	cc.cwnd = 3 * SMSS;
	nr->on_idle(&cc, 0);
	CHECK_EQ_U64(cc.cwnd, 3 * SMSS);
}

static void test_bad_input(void)
{
	struct tcp_cc cc;
	const struct tcp_cc_ops *nr = &tcp_cc_newreno;
	struct tcp_cc_ack ack = {.acked = UINT32_MAX, .flight = UINT32_MAX};

	nr->init(&cc, SMSS, 0);
	for (int i = 0; i < 1000000 && cc.cwnd < TCP_CC_CWND_MAX; i++)
		nr->on_ack(&cc, &ack, 0);
	CHECK(cc.cwnd <= TCP_CC_CWND_MAX);
	cc.ssthresh = 10 * SMSS; /* congestion avoidance with huge ACKs */
	for (int i = 0; i < 1000; i++)
		nr->on_ack(&cc, &ack, 0);
	CHECK(cc.cwnd <= TCP_CC_CWND_MAX);
	cc.smss = 0; /* a broken caller: no division by zero, no zero window */
	cc.cwnd = 0;
	ack.acked = 100;
	nr->on_ack(&cc, &ack, 0);
	nr->on_rto(&cc, 0, 0);
	CHECK(cc.cwnd > 0 && cc.ssthresh > 0);
}

static void test_registry(void)
{
	CHECK(tcp_cc_find("cubic") == &tcp_cc_cubic);
	CHECK(tcp_cc_find("newreno") == &tcp_cc_newreno);
	CHECK(tcp_cc_find("reno") == &tcp_cc_newreno);
	CHECK(tcp_cc_find("bbr") == NULL);
	CHECK(tcp_cc_find("") == NULL);
	CHECK(tcp_cc_find("cubicx") == NULL);
	CHECK(tcp_cc_find(NULL) == NULL);
	CHECK(tcp_cc_default() == &tcp_cc_cubic);
	CHECK(strcmp(tcp_cc_default()->name, "cubic") == 0);
	CHECK(strcmp(tcp_cc_newreno.name, "newreno") == 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_initial_window);
	RUN(test_slow_start);
	RUN(test_congestion_avoidance);
	RUN(test_ss_to_ca_boundary);
	RUN(test_rto_and_idle);
	RUN(test_bad_input);
	RUN(test_registry);
	RUN_DONE();
}
