/* SPDX-License-Identifier: BSD-2-Clause */
/* Round-trip time estimation and retransmission timeout, RFC 6298. Integer nanoseconds. */
#include "tcp/rtt.h"

static tcp_time_t time_max(tcp_time_t a, tcp_time_t b)
{
	return a > b ? a : b;
}

static tcp_time_t time_min(tcp_time_t a, tcp_time_t b)
{
	return a < b ? a : b;
}

/* Sections 2.4 and 2.5: clamp into [rto_min, rto_max]; never 0, so a timer always advances. */
static tcp_time_t rto_clamp(const struct tcp_rtt *r, tcp_time_t rto)
{
	rto = time_max(rto, time_max(r->rto_min, 1));
	return time_min(rto, r->rto_max);
}

void tcp_rtt_init(struct tcp_rtt *r, tcp_time_t rto_initial, tcp_time_t rto_min,
		  tcp_time_t rto_max)
{
	*r = (struct tcp_rtt){
		.rto_min = rto_min,
		.rto_max = rto_max ? rto_max : TCP_RTO_MAX,
		.granularity = TCP_RTT_GRANULARITY,
	};
	if (r->rto_min > r->rto_max)
		r->rto_min = r->rto_max;
	/* Section 2.1: until a measurement is made, RTO = 1 s (or the configured initial). */
	r->rto = rto_clamp(r, rto_initial ? rto_initial : TCP_RTO_INITIAL);
}

void tcp_rtt_sample(struct tcp_rtt *r, tcp_time_t rtt)
{
	if (rtt > TCP_RTT_SAMPLE_MAX) {
		r->samples_rejected++;
		return;
	}
	r->latest = rtt;
	if (!r->has_sample || rtt < r->min_rtt)
		r->min_rtt = rtt;

	if (!r->has_sample) {
		/* Section 2.2: SRTT <- R, RTTVAR <- R/2. */
		r->srtt = rtt;
		r->rttvar = rtt / 2;
		r->has_sample = true;
	} else {
		/* Section 2.3: RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'| with beta = 1/4,
		 * then SRTT <- (1 - alpha) * SRTT + alpha * R' with alpha = 1/8 (in this order). */
		tcp_time_t delta = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;

		r->rttvar = (3 * r->rttvar + delta) / 4;
		r->srtt = (7 * r->srtt + rtt) / 8;
	}
	/* Sections 2.2/2.3: RTO <- SRTT + max(G, K * RTTVAR), K = 4. */
	r->rto = rto_clamp(r, r->srtt + time_max(r->granularity, 4 * r->rttvar));
	/* Section 5.7 note: a new sample replaces a backed-off timer. */
	r->backoff = 0;
}

tcp_time_t tcp_rtt_rto(const struct tcp_rtt *r)
{
	tcp_time_t rto = rto_clamp(r, r->rto);

	/* Section 5.5: RTO <- RTO * 2 per backoff; stop doubling once rto_max is reached. */
	for (unsigned i = 0; i < r->backoff && rto < r->rto_max; i++)
		rto = rto > r->rto_max / 2 ? r->rto_max : rto * 2;
	return rto;
}

void tcp_rtt_backoff(struct tcp_rtt *r)
{
	if (r->backoff < TCP_RTO_BACKOFF_MAX)
		r->backoff++;
}

void tcp_rtt_reset_backoff(struct tcp_rtt *r)
{
	r->backoff = 0;
}
