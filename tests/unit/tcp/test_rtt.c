/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 6298 RTT estimation: first sample, hand-computed updates, clamping, backoff, reset. */
#include "../check.h"
#include "tcp/rtt.h"

#define MS TCP_MSEC
#define US TCP_USEC

static void test_first_and_subsequent(void)
{
	struct tcp_rtt r;

	tcp_rtt_init(&r, 1 * TCP_SEC, 200 * MS, 60 * TCP_SEC);
	CHECK(!r.has_sample);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 1 * TCP_SEC); /* section 2.1 */

	/* Section 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4*RTTVAR) = 100 + 200 ms. */
	tcp_rtt_sample(&r, 100 * MS);
	CHECK(r.has_sample);
	CHECK_EQ_U64(r.srtt, 100 * MS);
	CHECK_EQ_U64(r.rttvar, 50 * MS);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 300 * MS);

	/* Section 2.3: RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms;
	 * SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms; RTO = 112.5 + 250 = 362.5 ms. */
	tcp_rtt_sample(&r, 200 * MS);
	CHECK_EQ_U64(r.rttvar, 62500 * US);
	CHECK_EQ_U64(r.srtt, 112500 * US);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 362500 * US);

	/* RTTVAR = 3/4 * 62.5 + 1/4 * 62.5 = 62.5 ms; SRTT = (7 * 112.5 + 50) / 8 = 104.6875 ms. */
	tcp_rtt_sample(&r, 50 * MS);
	CHECK_EQ_U64(r.rttvar, 62500 * US);
	CHECK_EQ_U64(r.srtt, 104687500);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 104687500 + 250 * MS);
	CHECK_EQ_U64(r.latest, 50 * MS);
	CHECK_EQ_U64(r.min_rtt, 50 * MS);
}

static void test_clamping(void)
{
	struct tcp_rtt r;

	/* Tiny RTTs: the 200 ms minimum applies (section 2.4 with a Linux-like minimum). */
	tcp_rtt_init(&r, 1 * TCP_SEC, 200 * MS, 60 * TCP_SEC);
	for (int i = 0; i < 50; i++)
		tcp_rtt_sample(&r, 1 * MS);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 200 * MS);

	/* No minimum: the granularity term G (1 ms) keeps the RTO above SRTT. */
	tcp_rtt_init(&r, 1 * TCP_SEC, 0, 60 * TCP_SEC);
	tcp_rtt_sample(&r, 10 * US);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 10 * US + 1 * MS);
	tcp_rtt_sample(&r, 0);
	CHECK(tcp_rtt_rto(&r) >= 1 * MS);

	/* Section 2.5: a maximum may be placed on the RTO (60 s). */
	tcp_rtt_init(&r, 1 * TCP_SEC, 200 * MS, 60 * TCP_SEC);
	tcp_rtt_sample(&r, 50 * TCP_SEC);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 60 * TCP_SEC);

	/* Defaults for zero arguments, and an inverted range is repaired. */
	tcp_rtt_init(&r, 0, TCP_RTO_MIN, 0);
	CHECK_EQ_U64(tcp_rtt_rto(&r), TCP_RTO_INITIAL);
	CHECK_EQ_U64(r.rto_max, TCP_RTO_MAX);
	CHECK_EQ_U64(r.granularity, TCP_RTT_GRANULARITY);
	tcp_rtt_init(&r, 1 * TCP_SEC, 10 * TCP_SEC, 5 * TCP_SEC);
	CHECK(r.rto_min <= r.rto_max);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 5 * TCP_SEC);

	/* Absurd samples are rejected and counted, the estimate is untouched. */
	tcp_rtt_init(&r, 1 * TCP_SEC, 200 * MS, 60 * TCP_SEC);
	tcp_rtt_sample(&r, 100 * MS);
	tcp_rtt_sample(&r, UINT64_MAX);
	tcp_rtt_sample(&r, TCP_RTT_SAMPLE_MAX + 1);
	CHECK_EQ_U64(r.samples_rejected, 2);
	CHECK_EQ_U64(r.srtt, 100 * MS);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 300 * MS);
}

static void test_backoff(void)
{
	struct tcp_rtt r;
	tcp_time_t expect = 300 * MS;

	tcp_rtt_init(&r, 1 * TCP_SEC, 200 * MS, 60 * TCP_SEC);
	tcp_rtt_sample(&r, 100 * MS);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 300 * MS);

	/* Section 5.5: each timeout doubles the RTO, up to rto_max, and stays there. */
	for (int i = 0; i < 40; i++) {
		tcp_rtt_backoff(&r);
		expect = expect * 2 > 60 * TCP_SEC ? 60 * TCP_SEC : expect * 2;
		CHECK_EQ_U64(tcp_rtt_rto(&r), expect);
	}
	CHECK(r.backoff <= TCP_RTO_BACKOFF_MAX);

	/* Backoff cleared explicitly ... */
	tcp_rtt_reset_backoff(&r);
	CHECK_EQ_U64(r.backoff, 0);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 300 * MS);

	/* ... and by a new sample (section 5.7 note). */
	tcp_rtt_backoff(&r);
	tcp_rtt_backoff(&r);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 1200 * MS);
	tcp_rtt_sample(&r, 100 * MS);
	CHECK_EQ_U64(r.backoff, 0);
	CHECK(tcp_rtt_rto(&r) < 600 * MS);

	/* Backoff before any sample doubles the initial RTO (section 5.5 during the handshake). */
	tcp_rtt_init(&r, 1 * TCP_SEC, 200 * MS, 60 * TCP_SEC);
	tcp_rtt_backoff(&r);
	tcp_rtt_backoff(&r);
	CHECK_EQ_U64(tcp_rtt_rto(&r), 4 * TCP_SEC);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_first_and_subsequent);
	RUN(test_clamping);
	RUN(test_backoff);
	RUN_DONE();
}
