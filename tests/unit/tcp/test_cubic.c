/* SPDX-License-Identifier: BSD-2-Clause */
/* CUBIC (RFC 9438) driven by a synthetic ACK clock: one ACK per SMSS spread evenly over each
 * round trip, the whole window acknowledged every RTT. Windows are checked in segments. */
#include <math.h>

#include "../check.h"
#include "tcp/cc/cc.h"

#define SMSS 1460u

struct flow {
	struct tcp_cc cc;
	const struct tcp_cc_ops *ops;
	tcp_time_t now, rtt;
	tcp_time_t sample; /* RTT sample carried by each ACK (HyStart++), 0 for none */
};

static double segs(const struct flow *f)
{
	return (double)f->cc.cwnd / SMSS;
}

static void flow_init(struct flow *f, tcp_time_t rtt)
{
	f->ops = &tcp_cc_cubic;
	f->now = 1 * TCP_SEC;
	f->rtt = rtt;
	f->sample = 0;
	f->ops->init(&f->cc, SMSS, f->now);
}

/* One round trip worth of ACKs. */
static void flow_rtt(struct flow *f, bool app_limited)
{
	uint32_t n = (f->cc.cwnd + SMSS - 1) / SMSS;
	struct tcp_cc_ack ack = {.acked = SMSS,
				 .flight = f->cc.cwnd,
				 .srtt = f->rtt,
				 .min_rtt = f->rtt,
				 .app_limited = app_limited,
				 .rtt_sample = f->sample};

	if (n == 0)
		n = 1;
	for (uint32_t i = 0; i < n; i++) {
		f->now += f->rtt / n;
		f->ops->on_ack(&f->cc, &ack, f->now);
		if (ack.flight >= SMSS)
			ack.flight -= SMSS;
	}
}

/* Run round trips until `until` (absolute) is reached. */
static void flow_run(struct flow *f, tcp_time_t until, bool app_limited)
{
	while (f->now < until)
		flow_rtt(f, app_limited);
}

/* A loss at the current window, then recovery done by the core (cwnd = ssthresh). */
static void flow_loss(struct flow *f)
{
	f->ops->on_congestion(&f->cc, f->cc.cwnd, f->now);
	f->ops->on_recovery_end(&f->cc, f->now);
}

static tcp_time_t sec(double s)
{
	return (tcp_time_t)(s * (double)TCP_SEC);
}

/* K = cbrt(W_max * (1 - beta) / C) in seconds for W_max in segments (section 4.2). */
static double cubic_k(double w_max, double cwnd_epoch)
{
	return cbrt((w_max - cwnd_epoch) / 0.4);
}

static void test_reduction_and_return_to_wmax(void)
{
	struct flow f;
	double k, at[8];

	flow_init(&f, 100 * TCP_MSEC);
	f.cc.cwnd = 1000 * SMSS;
	f.cc.ssthresh = 500 * SMSS;
	flow_loss(&f);
	/* Section 4.6: ssthresh = cwnd = 0.7 * W_max. */
	CHECK(fabs(segs(&f) - 700.0) < 0.01);
	CHECK_EQ_U64(f.cc.ssthresh, f.cc.cwnd);

	k = cubic_k(1000, 700); /* about 9.09 s */
	CHECK(fabs(k - cbrt(1000 * 0.3 / 0.4)) < 1e-9);
	tcp_time_t t0 = f.now;
	const double when[8] = {0, 1, k - 1, k, k + 1, k + 2, k + 3, k + 4};
	for (int i = 0; i < 8; i++) {
		flow_run(&f, t0 + sec(when[i]), false);
		at[i] = segs(&f);
	}
	/* Back at W_max at t = K, within a few percent. */
	CHECK(fabs(at[3] - 1000.0) / 1000.0 < 0.03);
	CHECK(at[2] < 1000.0 && at[2] > 950.0);
	/* Concave: fast growth far below W_max, slow growth just below it. */
	double early = at[1] - at[0], near = at[3] - at[2];
	CHECK(early > 50.0);
	CHECK(near < early / 10.0);
	/* Plateau: one second past K the window is still within 1% of W_max. */
	CHECK(fabs(at[4] - 1000.0) / 1000.0 < 0.01);
	/* Convex: growth accelerates beyond W_max. */
	double g1 = at[4] - at[3], g2 = at[5] - at[4], g3 = at[6] - at[5], g4 = at[7] - at[6];
	CHECK(g2 > g1);
	CHECK(g3 > g2);
	CHECK(g4 > g3);
	CHECK(g4 > 5.0 * g1);
	/* Curve check: W_cubic(K + 4 + RTT) = 1000 + 0.4 * 4.1^3 = 1027.6 segments. */
	CHECK(fabs(at[7] - (1000.0 + 0.4 * pow(4.1, 3))) < 3.0);
}

static void test_fast_convergence(void)
{
	struct flow f;

	flow_init(&f, 100 * TCP_MSEC);
	f.cc.cwnd = 1000 * SMSS;
	f.cc.ssthresh = 500 * SMSS;
	flow_loss(&f);
	flow_run(&f, f.now + sec(2), false);
	double w2 = segs(&f);
	CHECK(w2 > 800 && w2 < 900);

	/* A second loss below W_max = 1000: W_max = w2 * (1 + beta) / 2 (section 4.7). */
	flow_loss(&f);
	CHECK(fabs(segs(&f) - 0.7 * w2) < 0.01);
	double w_max = w2 * 1.7 / 2.0;
	double k = cubic_k(w_max, segs(&f));
	tcp_time_t t0 = f.now;
	flow_run(&f, t0 + sec(k), false);
	/* The plateau is the lowered W_max, well below the window at the loss. */
	CHECK(fabs(segs(&f) - w_max) / w_max < 0.03);
	CHECK(segs(&f) < 0.9 * w2);
}

static void test_reno_friendly(void)
{
	struct flow f;

	/* Small BDP: 20 segments at a 1 ms RTT. K = cbrt(6 / 0.4) = 2.47 s, so the cubic curve
	 * barely moves for dozens of RTTs, while Reno gains alpha_cubic = 0.53 SMSS per RTT. */
	flow_init(&f, 1 * TCP_MSEC);
	f.cc.cwnd = 20 * SMSS;
	f.cc.ssthresh = 10 * SMSS;
	flow_loss(&f);
	CHECK(fabs(segs(&f) - 14.0) < 0.01);
	tcp_time_t t0 = f.now;
	for (int i = 0; i < 5; i++)
		flow_rtt(&f, false);
	double t = (double)(f.now - t0) / TCP_SEC;
	double cubic = 0.4 * pow(t - cubic_k(20, 14), 3) + 20;
	CHECK(cubic < 14.1);
	/* Section 4.3: W_est = 14 + 0.53 * 5 = 16.6 segments wins. */
	CHECK(segs(&f) > 16.0 && segs(&f) < 17.2);
	/* Once W_est passes cwnd_prior (20), it grows like Reno (1 SMSS per RTT): at 30 RTTs,
	 * about 11.3 RTTs to reach 20, then ~18.7 more. */
	for (int i = 5; i < 30; i++)
		flow_rtt(&f, false);
	CHECK(segs(&f) > 35.0 && segs(&f) < 42.0);
}

static void test_app_limited(void)
{
	struct flow f;

	flow_init(&f, 100 * TCP_MSEC);
	f.cc.cwnd = 1000 * SMSS;
	f.cc.ssthresh = 500 * SMSS;
	flow_loss(&f);
	flow_run(&f, f.now + sec(1), false);
	uint32_t c1 = f.cc.cwnd;

	/* Section 5.8: no growth while the application does not use the window. */
	flow_run(&f, f.now + sec(10), true);
	CHECK_EQ_U64(f.cc.cwnd, c1);

	/* Resuming: the curve continues from t ~ 1 s (about +8 segments per RTT), not from
	 * t ~ 11 s, where W_cubic is past W_max and cwnd would jump by half. */
	flow_rtt(&f, false);
	CHECK(f.cc.cwnd > c1);
	CHECK(f.cc.cwnd < c1 + 20 * SMSS);

	/* Idle without ACKs after an app-limited ACK: the silent 10 s do not count either. */
	uint32_t c2 = f.cc.cwnd;
	struct tcp_cc_ack ack = {.acked = SMSS, .flight = SMSS, .srtt = f.rtt, .app_limited = true};
	f.ops->on_ack(&f.cc, &ack, f.now);
	f.now += sec(10);
	flow_rtt(&f, false);
	CHECK(f.cc.cwnd < c2 + 20 * SMSS);

	/* Slow start does not grow while app-limited either. */
	flow_init(&f, 100 * TCP_MSEC);
	uint32_t iw = f.cc.cwnd;
	flow_run(&f, f.now + sec(1), true);
	CHECK_EQ_U64(f.cc.cwnd, iw);
}

static void test_slow_start_and_rto(void)
{
	struct flow f;

	flow_init(&f, 10 * TCP_MSEC);
	CHECK_EQ_U64(f.cc.cwnd, 10 * SMSS); /* RFC 6928 IW */
	CHECK_EQ_U64(f.cc.ssthresh, UINT32_MAX);
	for (uint32_t n = 10; n <= 80; n *= 2) {
		CHECK_EQ_U64(f.cc.cwnd, n * SMSS);
		flow_rtt(&f, false);
	}

	/* Section 4.8: on RTO, cwnd = 1 SMSS and ssthresh = 0.7 * cwnd. */
	f.cc.cwnd = 1000 * SMSS;
	f.ops->on_rto(&f.cc, 1000 * SMSS, f.now);
	CHECK_EQ_U64(f.cc.cwnd, SMSS);
	CHECK_EQ_U64(f.cc.ssthresh, 700 * SMSS);
	/* A repeated timeout of the same segment holds ssthresh. */
	f.ops->on_rto(&f.cc, SMSS, f.now);
	CHECK_EQ_U64(f.cc.ssthresh, 700 * SMSS);

	/* Slow start back to ssthresh, then the new epoch starts with K = 0 and W_max = cwnd:
	 * the window does not race toward the pre-timeout 1000 segments. */
	f.rtt = 100 * TCP_MSEC;
	while (f.cc.cwnd < f.cc.ssthresh)
		flow_rtt(&f, false);
	CHECK(segs(&f) >= 700 && segs(&f) < 702);
	flow_run(&f, f.now + sec(1), false);
	CHECK(segs(&f) > 700 && segs(&f) < 715);

	/* Idle restart: cwnd = min(cwnd, IW). */
	f.ops->on_idle(&f.cc, f.now);
	CHECK_EQ_U64(f.cc.cwnd, 10 * SMSS);
}

static void test_hystart(void)
{
	struct flow f;

	/* A steady RTT: HyStart++ lets slow start double the window every round. */
	flow_init(&f, 50 * TCP_MSEC);
	f.sample = 50 * TCP_MSEC;
	for (uint32_t n = 10; n <= 80; n *= 2) {
		CHECK_EQ_U64(f.cc.cwnd, n * SMSS);
		flow_rtt(&f, false);
	}
	CHECK_EQ_U64(f.cc.cwnd, 160 * SMSS);

	/* The round's minimum RTT rises by more than max(4 ms, 50/8 ms): Conservative Slow Start
	 * after the first 8 samples of the round, growing by a quarter of slow start. */
	f.sample = 70 * TCP_MSEC;
	flow_rtt(&f, false);
	double w0 = segs(&f);
	CHECK(w0 > 190 && w0 < 220); /* 160 + 8 + 152/4 = 206 instead of 320 */
	CHECK_EQ_U64(f.cc.ssthresh, UINT32_MAX);
	CHECK_EQ_U64(f.cc.css_entries, 1); /* counted once (the core's tcp_hystart_css) */
	flow_rtt(&f, false);
	double w1 = segs(&f);
	CHECK(w1 / w0 > 1.2 && w1 / w0 < 1.3);
	/* After CSS_ROUNDS (5) rounds in CSS: congestion avoidance with ssthresh = cwnd. */
	for (int i = 0; i < 4; i++)
		flow_rtt(&f, false);
	CHECK(f.cc.ssthresh != UINT32_MAX);
	CHECK(f.cc.ssthresh <= f.cc.cwnd);
	CHECK(segs(&f) < 206 * 1.25 * 1.25 * 1.25 * 1.25 * 1.25);
	double ca = segs(&f);
	flow_rtt(&f, false);
	CHECK(segs(&f) - ca < 2.0); /* avoidance now: about +1 segment per RTT */

	/* A spurious exit: the RTT falls below the CSS baseline and slow start resumes. */
	flow_init(&f, 50 * TCP_MSEC);
	f.sample = 50 * TCP_MSEC;
	for (int i = 0; i < 4; i++)
		flow_rtt(&f, false);
	f.sample = 70 * TCP_MSEC;
	flow_rtt(&f, false);
	f.sample = 50 * TCP_MSEC;
	flow_rtt(&f, false); /* back in slow start after the 8th sample */
	CHECK_EQ_U64(f.cc.css_entries, 1);
	double s0 = segs(&f);
	flow_rtt(&f, false);
	CHECK(segs(&f) / s0 > 1.9);
	CHECK_EQ_U64(f.cc.ssthresh, UINT32_MAX);

	/* HyStart++ serves the initial slow start only: after a timeout, slow start doubles
	 * even while the RTT climbs round after round. */
	flow_init(&f, 50 * TCP_MSEC);
	f.sample = 50 * TCP_MSEC;
	flow_rtt(&f, false);
	flow_rtt(&f, false);
	f.ops->on_rto(&f.cc, f.cc.cwnd, f.now);
	CHECK_EQ_U64(f.cc.ssthresh, 28 * SMSS);
	for (uint32_t n = 1; n <= 16; n *= 2) {
		CHECK_EQ_U64(f.cc.cwnd, n * SMSS);
		f.sample += 20 * TCP_MSEC;
		flow_rtt(&f, false);
	}
}

/* RFC 9406 section 4.3 with L = 8 (iotcp does not pace): in CSS one ACK grows cwnd by at most
 * 8 SMSS / CSS_GROWTH_DIVISOR (4), however many bytes it acknowledges; slow start proper keeps no
 * per-ACK limit (stretch ACKs, see cc.c). The clock stands still: the cap is per ACK. */
static void test_hystart_ack_cap(void)
{
	struct flow f;
	struct tcp_cc_ack ack = {.srtt = 10 * TCP_MSEC, .min_rtt = 10 * TCP_MSEC};

	flow_init(&f, 10 * TCP_MSEC);
	ack.rtt_sample = 10 * TCP_MSEC;
	ack.flight = f.cc.cwnd;
	/* slow start: an ACK of 20 segments adds 20 (a stretch ACK from a GRO receiver) */
	ack.acked = 20 * SMSS;
	f.ops->on_ack(&f.cc, &ack, f.now);
	CHECK_EQ_U64(f.cc.cwnd, 30 * SMSS);
	ack.acked = 3 * SMSS;
	f.ops->on_ack(&f.cc, &ack, f.now);
	CHECK_EQ_U64(f.cc.cwnd, 33 * SMSS);
	CHECK_EQ_U64(f.cc.ssthresh, UINT32_MAX);

	/* CSS (entered as in test_hystart): an ACK of 40 segments adds 8/4 = 2 segments, one of
	 * 4 segments adds 1 */
	flow_init(&f, 50 * TCP_MSEC);
	f.sample = 50 * TCP_MSEC;
	for (int i = 0; i < 4; i++)
		flow_rtt(&f, false);
	f.sample = 70 * TCP_MSEC;
	flow_rtt(&f, false);
	CHECK_EQ_U64(f.cc.css_entries, 1);
	uint32_t w = f.cc.cwnd;
	ack.rtt_sample = 70 * TCP_MSEC;
	ack.flight = w;
	ack.acked = 40 * SMSS;
	f.ops->on_ack(&f.cc, &ack, f.now);
	CHECK_EQ_U64(f.cc.cwnd, w + 2 * SMSS);
	ack.acked = 4 * SMSS;
	f.ops->on_ack(&f.cc, &ack, f.now);
	CHECK_EQ_U64(f.cc.cwnd, w + 3 * SMSS);
	CHECK_EQ_U64(f.cc.ssthresh, UINT32_MAX);

	/* After HyStart++ (a later slow start, tcp_cc_slow_start): no per-ACK limit either */
	struct tcp_cc cc = {.cwnd = 10 * SMSS, .ssthresh = UINT32_MAX, .smss = SMSS};
	CHECK_EQ_U64(tcp_cc_slow_start(&cc, 40 * SMSS), 0);
	CHECK_EQ_U64(cc.cwnd, 50 * SMSS);
}

static void test_bad_input(void)
{
	struct flow f;
	struct tcp_cc_ack ack = {.acked = UINT32_MAX, .flight = UINT32_MAX, .srtt = UINT64_MAX};

	flow_init(&f, 10 * TCP_MSEC);
	f.cc.ssthresh = 20 * SMSS;
	for (int i = 0; i < 1000; i++) {
		f.ops->on_ack(&f.cc, &ack, f.now);
		f.now += TCP_SEC;
	}
	CHECK(f.cc.cwnd <= TCP_CC_CWND_MAX);
	/* Time going backwards, zero MSS and zero cwnd: no crash, no zero window. */
	f.cc.smss = 0;
	f.cc.cwnd = 0;
	ack.acked = 100;
	ack.srtt = 0;
	f.ops->on_ack(&f.cc, &ack, 0);
	f.ops->on_congestion(&f.cc, 0, 0);
	f.ops->on_recovery_end(&f.cc, 0);
	CHECK(f.cc.cwnd > 0);
	f.ops->on_ack(&f.cc, &ack, 5);
	CHECK(f.cc.cwnd > 0 && f.cc.cwnd <= TCP_CC_CWND_MAX);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_reduction_and_return_to_wmax);
	RUN(test_fast_convergence);
	RUN(test_reno_friendly);
	RUN(test_app_limited);
	RUN(test_slow_start_and_rto);
	RUN(test_hystart);
	RUN(test_hystart_ack_cap);
	RUN(test_bad_input);
	RUN_DONE();
}
