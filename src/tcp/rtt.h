/* SPDX-License-Identifier: BSD-2-Clause */
/* Round-trip time estimation and retransmission timeout, RFC 6298. */
#ifndef IOTCP_TCP_RTT_H
#define IOTCP_TCP_RTT_H

#include <stdbool.h>

#include "tcp/types.h"

/* Defaults (section 2): 1 s initial RTO; 200 ms minimum as Linux uses (the RFC's 1 s is
 * configurable); 60 s maximum; 1 ms clock granularity G. */
#define TCP_RTO_INITIAL     (1 * TCP_SEC)
#define TCP_RTO_MIN         (200 * TCP_MSEC)
#define TCP_RTO_MAX         (60 * TCP_SEC)
#define TCP_RTT_GRANULARITY (1 * TCP_MSEC)
/* Samples above this are nonsense (a clock jump or a bug) and are rejected and counted. */
#define TCP_RTT_SAMPLE_MAX  (3600 * TCP_SEC)
/* Doublings beyond this cannot matter: rto_max is reached long before. */
#define TCP_RTO_BACKOFF_MAX 30u

struct tcp_rtt {
	tcp_time_t srtt, rttvar;   /* RFC 6298 section 2 */
	tcp_time_t rto;            /* base RTO, before backoff */
	tcp_time_t latest, min_rtt;
	tcp_time_t rto_min, rto_max, granularity;
	unsigned backoff;          /* number of doublings in force (section 5.5) */
	bool has_sample;
	uint64_t samples_rejected; /* samples above TCP_RTT_SAMPLE_MAX */
};

/* Section 2.1: RTO = rto_initial (1 s by default) until the first sample. A zero rto_initial
 * or rto_max selects the default above; rto_min may be 0 (G still bounds the RTO from below);
 * rto_min > rto_max is corrected to rto_min = rto_max. granularity starts at
 * TCP_RTT_GRANULARITY; the caller may overwrite the field afterwards. */
void tcp_rtt_init(struct tcp_rtt *r, tcp_time_t rto_initial, tcp_time_t rto_min,
		  tcp_time_t rto_max);
/* Sections 2.2/2.3 with alpha = 1/8, beta = 1/4, K = 4. The caller applies Karn's rule (section 3):
 * no samples from retransmitted segments unless timestamps disambiguate them. A sample also clears
 * the backoff (section 5.7 note). */
void tcp_rtt_sample(struct tcp_rtt *r, tcp_time_t rtt);
/* RTO with the backoff applied, clamped to [rto_min, rto_max] (sections 2.4, 2.5, 5.5). */
tcp_time_t tcp_rtt_rto(const struct tcp_rtt *r);
/* Section 5.5: double the timer after a retransmission timeout. The count saturates at
 * TCP_RTO_BACKOFF_MAX; tcp_rtt_rto() never exceeds rto_max. */
void tcp_rtt_backoff(struct tcp_rtt *r);
/* Clear the backoff (new data acknowledged). */
void tcp_rtt_reset_backoff(struct tcp_rtt *r);

#endif
