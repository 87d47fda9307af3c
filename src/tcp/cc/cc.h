/* Congestion control behind a small interface: one file per algorithm (newreno.c, cubic.c).
 * The core owns loss detection and recovery mechanics (RFC 6675 pipe, PRR); an algorithm only
 * decides ssthresh on congestion and cwnd growth on ACKs. All windows are in bytes. */
#ifndef IOTCP_TCP_CC_H
#define IOTCP_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/types.h"

struct tcp_cc {
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t smss; /* sender MSS */
	uint64_t priv[12]; /* algorithm state; cubic.c/newreno.c cast it to their own struct */
};

/* Facts about one ACK, handed to on_ack. */
struct tcp_cc_ack {
	uint32_t acked;         /* bytes newly acknowledged (cumulative + newly SACKed) */
	uint32_t flight;        /* bytes in flight before this ACK */
	tcp_time_t srtt;        /* smoothed RTT, 0 when unknown */
	tcp_time_t min_rtt;     /* minimum RTT seen, 0 when unknown */
	bool app_limited;       /* sender had nothing to send: do not grow beyond use (RFC 7661) */
};

struct tcp_cc_ops {
	const char *name;
	/* Initial window per RFC 5681 section 3.1 / RFC 6928 (min(10*SMSS, max(2*SMSS, 14600))). */
	void (*init)(struct tcp_cc *cc, uint32_t smss, tcp_time_t now);
	/* New data acknowledged while not in loss recovery: slow start or congestion avoidance. */
	void (*on_ack)(struct tcp_cc *cc, const struct tcp_cc_ack *ack, tcp_time_t now);
	/* Loss detected by duplicate ACKs, SACK or RACK: set ssthresh (and the algorithm's own
	 * state); the core then runs recovery toward cwnd = ssthresh. */
	void (*on_congestion)(struct tcp_cc *cc, uint32_t flight, tcp_time_t now);
	/* Recovery finished (ACK reached the recovery point). */
	void (*on_recovery_end)(struct tcp_cc *cc, tcp_time_t now);
	/* Retransmission timeout: RFC 5681 section 3.1 eq. (4), cwnd = 1 SMSS (loss window). */
	void (*on_rto)(struct tcp_cc *cc, uint32_t flight, tcp_time_t now);
	/* Idle restart (RFC 5681 section 4.1): cwnd = min(cwnd, IW) after an idle RTO. Optional. */
	void (*on_idle)(struct tcp_cc *cc, tcp_time_t now);
};

extern const struct tcp_cc_ops tcp_cc_newreno; /* RFC 5681 + RFC 6582 windows */
extern const struct tcp_cc_ops tcp_cc_cubic;   /* RFC 9438 (default) */

/* By name ("cubic", "newreno", "reno" aliases newreno); NULL if unknown. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);
/* The default algorithm (CUBIC). */
const struct tcp_cc_ops *tcp_cc_default(void);

#endif
