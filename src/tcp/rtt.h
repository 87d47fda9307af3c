/* Round-trip time estimation and retransmission timeout, RFC 6298. */
#ifndef IOTCP_TCP_RTT_H
#define IOTCP_TCP_RTT_H

#include <stdbool.h>

#include "tcp/types.h"

struct tcp_rtt {
	tcp_time_t srtt, rttvar;   /* RFC 6298 section 2 */
	tcp_time_t rto;            /* base RTO, before backoff */
	tcp_time_t latest, min_rtt;
	tcp_time_t rto_min, rto_max, granularity;
	unsigned backoff;          /* number of doublings in force (section 5.5) */
	bool has_sample;
};

/* Section 2.1: RTO = rto_initial (1 s by default) until the first sample. */
void tcp_rtt_init(struct tcp_rtt *r, tcp_time_t rto_initial, tcp_time_t rto_min,
		  tcp_time_t rto_max);
/* Sections 2.2/2.3 with alpha = 1/8, beta = 1/4, K = 4. The caller applies Karn's rule (section 3):
 * no samples from retransmitted segments unless timestamps disambiguate them. A sample also clears
 * the backoff (section 5.7 note). */
void tcp_rtt_sample(struct tcp_rtt *r, tcp_time_t rtt);
/* RTO with the backoff applied, clamped to [rto_min, rto_max] (sections 2.4, 2.5, 5.5). */
tcp_time_t tcp_rtt_rto(const struct tcp_rtt *r);
/* Section 5.5: double the timer after a retransmission timeout. */
void tcp_rtt_backoff(struct tcp_rtt *r);
/* Clear the backoff (new data acknowledged). */
void tcp_rtt_reset_backoff(struct tcp_rtt *r);

#endif
