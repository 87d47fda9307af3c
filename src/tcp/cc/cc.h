/* SPDX-License-Identifier: BSD-2-Clause */
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
	uint32_t css_entries; /* HyStart++ CSS entries so far (the core counts them) */
	uint64_t priv[24]; /* algorithm state; cubic.c/newreno.c cast it to their own struct
			   * (static_assert there: CUBIC with HyStart++ needs 184 bytes) */
};

/* Facts about one ACK, handed to on_ack. */
struct tcp_cc_ack {
	uint32_t acked;         /* bytes newly acknowledged (cumulative + newly SACKed) */
	uint32_t flight;        /* bytes in flight before this ACK */
	tcp_time_t srtt;        /* smoothed RTT, 0 when unknown */
	tcp_time_t min_rtt;     /* minimum RTT seen, 0 when unknown */
	bool app_limited;       /* sender had nothing to send: do not grow beyond use (RFC 7661) */
	tcp_time_t rtt_sample;  /* RTT measured by this ACK, 0 if none (HyStart++, RFC 9406) */
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
	/* Recovery finished (ACK reached the recovery point): both algorithms set cwnd = ssthresh
	 * (RFC 6582 section 3.2 step 3 option 2, RFC 6937 section 3); a core that prefers option 1
	 * may lower cwnd afterwards. */
	void (*on_recovery_end)(struct tcp_cc *cc, tcp_time_t now);
	/* Retransmission timeout: RFC 5681 section 3.1 eq. (4), cwnd = 1 SMSS (loss window).
	 * A second timeout with no on_ack in between (the same segment timing out again) holds
	 * ssthresh constant (RFC 5681 section 3.1, the paragraph after eq. (4)). */
	void (*on_rto)(struct tcp_cc *cc, uint32_t flight, tcp_time_t now);
	/* Idle restart (RFC 5681 section 4.1): cwnd = min(cwnd, IW) after an idle RTO. Optional. */
	void (*on_idle)(struct tcp_cc *cc, tcp_time_t now);
	/* The last on_congestion / on_rto was spurious (RFC 3708 D-SACK or RFC 3522 Eifel
	 * detection): the core has already restored cwnd = max(cwnd, prior cwnd) and ssthresh =
	 * max(ssthresh, prior ssthresh) (RFC 4015 section 3 response); the algorithm restores the
	 * private state it saved when that reduction happened (CUBIC: W_max, K, epoch). Optional
	 * (NULL: nothing private to restore). */
	void (*on_undo)(struct tcp_cc *cc, tcp_time_t now);
};

/* cwnd never grows beyond this (keeps byte arithmetic far from overflow). */
#define TCP_CC_CWND_MAX (1u << 30)
/* Used for an smss of 0; larger values are capped at TCP_CC_SMSS_MAX. */
#define TCP_CC_SMSS_DEFAULT 536u
#define TCP_CC_SMSS_MAX     65535u

/* Helpers shared by the algorithms (cc.c). */
/* cc->smss made safe to divide by: 0 -> TCP_CC_SMSS_DEFAULT, capped at TCP_CC_SMSS_MAX. */
uint32_t tcp_cc_smss(const struct tcp_cc *cc);
/* RFC 6928 section 2: IW = min(10*SMSS, max(2*SMSS, 14600)). */
uint32_t tcp_cc_initial_window(uint32_t smss);
/* RFC 5681 section 3.1 slow start with RFC 3465 byte counting, L = 2*SMSS: cwnd grows by
 * min(acked, 2*SMSS) but not beyond ssthresh. Returns the acked bytes not used, for the caller's
 * congestion avoidance (nonzero only when slow start ended on this ACK). */
uint32_t tcp_cc_slow_start(struct tcp_cc *cc, uint32_t acked);

/* HyStart++ (RFC 9406) for the initial slow start: leaves slow start when the per-round
 * minimum RTT rises, through Conservative Slow Start (CSS), before losses. Rounds are tracked
 * from the acked bytes against the flight at the start of a round; it needs ack->rtt_sample and
 * ack->flight and behaves like plain slow start without them. Lives inside an algorithm's priv. */
struct tcp_hystart {
	tcp_time_t last_round_min_rtt, cur_round_min_rtt, css_baseline_min_rtt;
	uint32_t rtt_sample_count;
	uint32_t round_left; /* bytes still to be acked before the current round ends */
	uint8_t css_rounds;  /* rounds completed in CSS */
	bool in_css;
	bool done;           /* not used again after the first congestion event or exit */
};

void tcp_hystart_init(struct tcp_hystart *h);
/* Slow-start step for one ACK (cwnd < ssthresh): grows cwnd like tcp_cc_slow_start, or in CSS
 * by a quarter of min(acked, 8*SMSS) (RFC 9406 section 4.3, L = 8: no pacing); after CSS_ROUNDS rounds of CSS sets ssthresh = cwnd. Returns the acked
 * bytes left for congestion avoidance (as tcp_cc_slow_start does). */
uint32_t tcp_hystart_on_ack(struct tcp_hystart *h, struct tcp_cc *cc,
			    const struct tcp_cc_ack *ack);
/* A congestion event or timeout ends HyStart++ (RFC 9406 section 4.2: standard response). */
void tcp_hystart_stop(struct tcp_hystart *h);

extern const struct tcp_cc_ops tcp_cc_newreno; /* RFC 5681 + RFC 6582 windows */
extern const struct tcp_cc_ops tcp_cc_cubic;   /* RFC 9438 (default) */

/* By name ("cubic", "newreno", "reno" aliases newreno); NULL if unknown. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);
/* The default algorithm (CUBIC). */
const struct tcp_cc_ops *tcp_cc_default(void);

#endif
