/* SPDX-License-Identifier: BSD-2-Clause */
/* NewReno congestion control windows: RFC 5681 slow start and congestion avoidance, RFC 3465
 * byte counting, RFC 6928 initial window. The recovery procedure of RFC 6582 (or RFC 6675 with
 * PRR) runs in the core, which calls on_congestion and later on_recovery_end. */
#include <assert.h>

#include "tcp/cc/cc.h"

struct newreno {
	uint32_t bytes_acked; /* RFC 3465 section 2.1 congestion avoidance counter */
	bool rto_pending;     /* on_rto seen and no new data acked since */
};
static_assert(sizeof(struct newreno) <= sizeof(((struct tcp_cc *)0)->priv), "priv too small");

static struct newreno *newreno_state(struct tcp_cc *cc)
{
	return (struct newreno *)cc->priv;
}

/* RFC 5681 eq. (4): ssthresh = max(FlightSize / 2, 2*SMSS). */
static uint32_t half_flight(const struct tcp_cc *cc, uint32_t flight)
{
	uint32_t floor = 2 * tcp_cc_smss(cc);

	return flight / 2 > floor ? flight / 2 : floor;
}

static void newreno_init(struct tcp_cc *cc, uint32_t smss, tcp_time_t now)
{
	*cc = (struct tcp_cc){ .smss = smss };
	/* RFC 5681 section 3.1: ssthresh starts arbitrarily high. */
	cc->ssthresh = UINT32_MAX;
	cc->cwnd = tcp_cc_initial_window(tcp_cc_smss(cc));
}

static void newreno_on_ack(struct tcp_cc *cc, const struct tcp_cc_ack *ack, tcp_time_t now)
{
	struct newreno *nr = newreno_state(cc);
	uint32_t smss = tcp_cc_smss(cc);
	uint32_t acked = ack->acked;

	if (acked == 0)
		return;
	nr->rto_pending = false;
	/* RFC 7661 spirit: a window the sender does not use is not validated: no growth. */
	if (ack->app_limited)
		return;
	if (cc->cwnd < cc->ssthresh) {
		acked = tcp_cc_slow_start(cc, acked);
		if (acked == 0)
			return;
	}
	/* RFC 5681 section 3.1 / RFC 3465 section 2.1: one SMSS per cwnd of acknowledged bytes. */
	if (cc->cwnd == 0)
		cc->cwnd = smss;
	uint64_t banked = (uint64_t)nr->bytes_acked + acked;
	if (banked >= cc->cwnd) {
		banked -= cc->cwnd;
		if (cc->cwnd <= TCP_CC_CWND_MAX - smss)
			cc->cwnd += smss;
	}
	/* A huge stretch ACK may leave more than a cwnd banked; one increase per ACK is enough. */
	nr->bytes_acked = banked < cc->cwnd ? (uint32_t)banked : cc->cwnd - 1;
}

static void newreno_on_congestion(struct tcp_cc *cc, uint32_t flight, tcp_time_t now)
{
	struct newreno *nr = newreno_state(cc);

	cc->ssthresh = half_flight(cc, flight);
	nr->bytes_acked = 0;
}

static void newreno_on_recovery_end(struct tcp_cc *cc, tcp_time_t now)
{
	cc->cwnd = cc->ssthresh;
	newreno_state(cc)->bytes_acked = 0;
}

static void newreno_on_rto(struct tcp_cc *cc, uint32_t flight, tcp_time_t now)
{
	struct newreno *nr = newreno_state(cc);

	/* RFC 5681 section 3.1: ssthresh is held constant when the same segment times out again. */
	if (!nr->rto_pending)
		cc->ssthresh = half_flight(cc, flight);
	cc->cwnd = tcp_cc_smss(cc); /* eq. (4): loss window */
	nr->bytes_acked = 0;
	nr->rto_pending = true;
}

static void newreno_on_idle(struct tcp_cc *cc, tcp_time_t now)
{
	/* RFC 5681 section 4.1: restart window = min(IW, cwnd). */
	uint32_t iw = tcp_cc_initial_window(tcp_cc_smss(cc));

	if (cc->cwnd > iw)
		cc->cwnd = iw;
	newreno_state(cc)->bytes_acked = 0;
}

/* A spurious reduction was undone (the core restored cwnd and ssthresh): start counting anew. */
static void newreno_on_undo(struct tcp_cc *cc, tcp_time_t now)
{
	struct newreno *nr = newreno_state(cc);

	(void)now;
	nr->bytes_acked = 0;
	nr->rto_pending = false;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_congestion = newreno_on_congestion,
	.on_recovery_end = newreno_on_recovery_end,
	.on_rto = newreno_on_rto,
	.on_idle = newreno_on_idle,
	.on_undo = newreno_on_undo,
};
