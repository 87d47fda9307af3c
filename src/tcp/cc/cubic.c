/* SPDX-License-Identifier: BSD-2-Clause */
/* CUBIC congestion control, RFC 9438. Windows are kept in bytes; the cubic function itself is
 * evaluated in segments (C = 0.4 segments/s^3) and converted with SMSS. */
#include <assert.h>
#include <math.h>

#include "tcp/cc/cc.h"

#define CUBIC_C    0.4 /* section 5.1 */
#define CUBIC_BETA 0.7 /* section 4.6, beta_cubic */
#define CUBIC_BETA_NUM 7u /* the same as an exact fraction, for ssthresh in bytes */
#define CUBIC_BETA_DEN 10u
/* Section 4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta), Reno-friendly at beta = 0.7. */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

/* What a reduction changes, saved so a spurious one can be undone (on_undo). */
struct cubic_saved {
	double w_max, k, w_est, cwnd_frac;
	tcp_time_t epoch_start;
	uint32_t cwnd_prior;
	bool after_rto, valid;
	struct tcp_hystart hs;
};

struct cubic {
	double w_max;            /* bytes: window before the last reduction (section 4.1) */
	double k;                /* seconds until W_cubic returns to w_max (section 4.2) */
	double w_est;            /* bytes: Reno-friendly estimate (section 4.3) */
	double cwnd_frac;        /* sub-byte cwnd increase carried over between ACKs */
	tcp_time_t epoch_start;  /* start of this congestion avoidance stage, or TCP_TIME_NEVER */
	tcp_time_t last_ack;     /* time of the previous on_ack */
	uint32_t cwnd_prior;     /* cwnd when ssthresh was last set (section 4.3) */
	bool after_rto;          /* section 4.8: next epoch uses K = 0, W_max = cwnd */
	bool rto_pending;        /* on_rto seen and no new data acked since */
	bool last_app_limited;   /* the previous ACK found the sender app-limited */
	struct tcp_hystart hs;   /* RFC 9406 for the initial slow start */
	struct cubic_saved saved; /* state before the last reduction */
};
static_assert(sizeof(struct cubic) <= sizeof(((struct tcp_cc *)0)->priv), "priv too small");

static struct cubic *cubic_state(struct tcp_cc *cc)
{
	return (struct cubic *)cc->priv;
}

static double ns_to_sec(tcp_time_t t)
{
	return (double)t / (double)TCP_SEC;
}

/* Section 4.2, eq. (1), in bytes: W_cubic(t) = C * (t - K)^3 + W_max. */
static double w_cubic(const struct cubic *cu, double t, uint32_t smss)
{
	double d = t - cu->k;

	return CUBIC_C * d * d * d * smss + cu->w_max;
}

static uint32_t clamp_cwnd(double w)
{
	if (w >= (double)TCP_CC_CWND_MAX)
		return TCP_CC_CWND_MAX;
	return w > 0 ? (uint32_t)w : 0;
}

/* ssthresh = max(cwnd * beta_cubic, 2*SMSS) (section 4.6). */
static void reduce_ssthresh(struct tcp_cc *cc)
{
	uint32_t floor = 2 * tcp_cc_smss(cc);
	uint32_t s = (uint32_t)((uint64_t)cc->cwnd * CUBIC_BETA_NUM / CUBIC_BETA_DEN);

	cc->ssthresh = s > floor ? s : floor;
	cubic_state(cc)->cwnd_prior = cc->cwnd;
}

static void cubic_init(struct tcp_cc *cc, uint32_t smss, tcp_time_t now)
{
	struct cubic *cu;

	*cc = (struct tcp_cc){ .smss = smss, .ssthresh = UINT32_MAX };
	cc->cwnd = tcp_cc_initial_window(tcp_cc_smss(cc));
	cu = cubic_state(cc);
	*cu = (struct cubic){ .epoch_start = TCP_TIME_NEVER, .last_ack = now };
	tcp_hystart_init(&cu->hs);
}

/* Section 4.2: a congestion avoidance stage begins; K from eq. (2) with cwnd_epoch = cwnd. */
static void epoch_begin(struct tcp_cc *cc, struct cubic *cu, tcp_time_t now)
{
	uint32_t smss = tcp_cc_smss(cc);

	cu->epoch_start = now;
	cu->cwnd_frac = 0;
	cu->w_est = cc->cwnd; /* section 4.3 */
	if (cu->after_rto || (double)cc->cwnd >= cu->w_max) {
		/* Section 4.8 after a timeout; otherwise cwnd is already past the old maximum. */
		cu->w_max = cc->cwnd;
		cu->k = 0;
		cu->after_rto = false;
	} else {
		cu->k = cbrt((cu->w_max - cc->cwnd) / smss / CUBIC_C);
	}
}

/* Section 5.8: time spent application-limited (or idle after being so) does not advance the
 * cubic curve, so a flow that resumes does not jump to a window it never validated. */
static void shift_epoch_over_idle(struct cubic *cu, const struct tcp_cc_ack *ack, tcp_time_t now)
{
	if (cu->epoch_start != TCP_TIME_NEVER && now > cu->last_ack &&
	    (ack->app_limited || cu->last_app_limited)) {
		cu->epoch_start += now - cu->last_ack;
		if (cu->epoch_start > now)
			cu->epoch_start = now;
	}
	cu->last_ack = now;
	cu->last_app_limited = ack->app_limited;
}

static void congestion_avoidance(struct tcp_cc *cc, struct cubic *cu, uint32_t acked,
				 const struct tcp_cc_ack *ack, tcp_time_t now)
{
	uint32_t smss = tcp_cc_smss(cc);
	double cwnd, t, rtt, target, alpha;

	if (cc->cwnd < smss)
		cc->cwnd = smss;
	if (cu->epoch_start == TCP_TIME_NEVER || now < cu->epoch_start)
		epoch_begin(cc, cu, now);
	cwnd = cc->cwnd;
	t = ns_to_sec(now - cu->epoch_start);
	rtt = ns_to_sec(ack->srtt ? ack->srtt : ack->min_rtt);

	/* Section 4.3: W_est grows like Reno with alpha_cubic, then with 1 once past cwnd_prior. */
	alpha = cu->w_est >= cu->cwnd_prior ? 1.0 : CUBIC_ALPHA;
	cu->w_est += alpha * smss * acked / cwnd;
	if (cu->w_est > TCP_CC_CWND_MAX)
		cu->w_est = TCP_CC_CWND_MAX;

	if (w_cubic(cu, t, smss) < cu->w_est) {
		/* Reno-friendly region: cwnd = W_est. */
		if (cu->w_est > cwnd)
			cc->cwnd = clamp_cwnd(cu->w_est);
		return;
	}
	/* Sections 4.4/4.5, concave and convex regions: aim at W_cubic(t + RTT), kept within
	 * [cwnd, 1.5 * cwnd], growing (target - cwnd) / cwnd segments per segment acked. */
	target = w_cubic(cu, t + rtt, smss);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	cu->cwnd_frac += (target - cwnd) * acked / cwnd;
	if (cu->cwnd_frac >= 1.0) {
		double whole = floor(cu->cwnd_frac);

		cu->cwnd_frac -= whole;
		cc->cwnd = clamp_cwnd(cwnd + whole);
	}
}

static void cubic_on_ack(struct tcp_cc *cc, const struct tcp_cc_ack *ack, tcp_time_t now)
{
	struct cubic *cu = cubic_state(cc);
	uint32_t acked = ack->acked;

	if (acked == 0)
		return;
	cu->rto_pending = false;
	shift_epoch_over_idle(cu, ack, now);
	if (ack->app_limited)
		return;
	if (cc->cwnd < cc->ssthresh) {
		/* Section 4.10: slow start as in RFC 5681 (with HyStart++ the first time); the
		 * epoch starts when it ends. */
		cu->epoch_start = TCP_TIME_NEVER;
		acked = tcp_hystart_on_ack(&cu->hs, cc, ack);
		if (acked == 0)
			return;
	}
	congestion_avoidance(cc, cu, acked, ack, now);
}

/* Remember the state a reduction is about to change (undone by cubic_on_undo). */
static void save_state(struct cubic *cu)
{
	cu->saved = (struct cubic_saved){
		.w_max = cu->w_max, .k = cu->k, .w_est = cu->w_est, .cwnd_frac = cu->cwnd_frac,
		.epoch_start = cu->epoch_start, .cwnd_prior = cu->cwnd_prior,
		.after_rto = cu->after_rto, .valid = true, .hs = cu->hs,
	};
}

static void cubic_on_congestion(struct tcp_cc *cc, uint32_t flight, tcp_time_t now)
{
	struct cubic *cu = cubic_state(cc);

	save_state(cu);

	/* Section 4.7 fast convergence: a loss before regaining the old maximum lowers W_max. */
	if ((double)cc->cwnd < cu->w_max)
		cu->w_max = cc->cwnd * (1.0 + CUBIC_BETA) / 2.0;
	else
		cu->w_max = cc->cwnd;
	reduce_ssthresh(cc); /* section 4.6 */
	tcp_hystart_stop(&cu->hs);
	cu->epoch_start = TCP_TIME_NEVER;
	cu->after_rto = false;
}

static void cubic_on_recovery_end(struct tcp_cc *cc, tcp_time_t now)
{
	cc->cwnd = cc->ssthresh;
	cubic_state(cc)->epoch_start = TCP_TIME_NEVER;
}

static void cubic_on_rto(struct tcp_cc *cc, uint32_t flight, tcp_time_t now)
{
	struct cubic *cu = cubic_state(cc);

	/* Section 4.8: Reno's loss window, ssthresh via beta_cubic (held on a repeated timeout,
	 * RFC 5681 section 3.1); the next CA stage restarts the curve with K = 0. */
	if (!cu->rto_pending) {
		save_state(cu);
		reduce_ssthresh(cc);
	}
	cc->cwnd = tcp_cc_smss(cc);
	tcp_hystart_stop(&cu->hs);
	cu->epoch_start = TCP_TIME_NEVER;
	cu->after_rto = true;
	cu->rto_pending = true;
}

static void cubic_on_idle(struct tcp_cc *cc, tcp_time_t now)
{
	/* RFC 5681 section 4.1 restart window; the curve restarts from there. */
	uint32_t iw = tcp_cc_initial_window(tcp_cc_smss(cc));

	if (cc->cwnd > iw)
		cc->cwnd = iw;
	cubic_state(cc)->epoch_start = TCP_TIME_NEVER;
}

/* The reduction was spurious: the curve continues as if it never happened (W_max, K and the
 * epoch start come back, so the time spent in the spurious recovery counts as CA time). */
static void cubic_on_undo(struct tcp_cc *cc, tcp_time_t now)
{
	struct cubic *cu = cubic_state(cc);
	const struct cubic_saved *sv = &cu->saved;

	(void)now;
	cu->rto_pending = false;
	if (!sv->valid)
		return;
	cu->w_max = sv->w_max;
	cu->k = sv->k;
	cu->w_est = sv->w_est;
	cu->cwnd_frac = sv->cwnd_frac;
	cu->epoch_start = sv->epoch_start;
	cu->cwnd_prior = sv->cwnd_prior;
	cu->after_rto = sv->after_rto;
	cu->hs = sv->hs;
	cu->saved.valid = false;
	/* the window came back above the old maximum: the curve restarts from there */
	if (cu->epoch_start != TCP_TIME_NEVER && (double)cc->cwnd > cu->w_max)
		cu->epoch_start = TCP_TIME_NEVER;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion = cubic_on_congestion,
	.on_recovery_end = cubic_on_recovery_end,
	.on_rto = cubic_on_rto,
	.on_idle = cubic_on_idle,
	.on_undo = cubic_on_undo,
};
