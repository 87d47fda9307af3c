/* SPDX-License-Identifier: BSD-2-Clause */
/* Impairment settings of one direction of the relay and the random decisions they drive.
 * The words and their meaning follow Linux netem (tc-netem(8)): loss, duplicate, corrupt and
 * reorder are probabilities; delay is a base time with an optional jitter, drawn uniformly
 * from [delay - jitter, delay + jitter]. A frame picked for reordering skips the delay. Each
 * may have netem's correlation ("loss 5% 25%"): draws come from netem's correlated source. */
#ifndef IOTCP_NETEM_RELAY_IMPAIR_H
#define IOTCP_NETEM_RELAY_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "util/rng.h"

struct impair_cfg {
	uint64_t delay_ns;
	uint64_t jitter_ns;
	double loss; /* probabilities in [0, 1] */
	double duplicate;
	double reorder;
	double corrupt;
	/* netem's correlations, in [0, 1]: how much each draw leans on the previous one */
	double delay_corr, loss_corr, dup_corr, reorder_corr, corrupt_corr;
};

/* The memory of netem's correlated random source (get_crandom in net/sched/sch_netem.c), one
 * per impairment and direction. */
struct impair_state {
	uint32_t delay, loss, dup, reorder, corrupt;
};

/* What happens to one frame, drawn in netem's order (netem_enqueue): duplicate, loss,
 * corrupt, then delay or reorder. */
struct impair_fate {
	bool lost, duplicate, corrupt, reordered;
	uint64_t delay_ns;
};

/* "10ms", "250us", "1.5s", "0": a time with a unit (us, ms, s; a bare 0 is allowed).
 * Returns 0, or -1 for anything else (negative, no unit, over one hour, trailing junk). */
int impair_parse_time(const char *s, uint64_t *ns);

/* "5%", "0.25%", "5": a percentage in [0, 100], stored as a probability in [0, 1]. */
int impair_parse_pct(const char *s, double *p);

/* An option value for both directions ("10ms") or for each ("10ms/30ms": a->b, then b->a),
 * parsed by parse_one into out_ab and out_ba (two uint64_t or two double). */
int impair_parse_time_pair(const char *s, uint64_t *out_ab, uint64_t *out_ba);
int impair_parse_pct_pair(const char *s, double *out_ab, double *out_ba);

/* Whether the settings ask for anything at all. */
bool impair_is_noop(const struct impair_cfg *c);

/* The fate of one frame. */
void impair_draw(const struct impair_cfg *c, struct impair_state *st, struct rng *r,
		 struct impair_fate *f);

/* The delay of one frame: delay +/- uniform jitter, never below zero; zero when the frame is
 * picked for reordering (then *reordered is set). */
uint64_t impair_frame_delay(const struct impair_cfg *c, struct impair_state *st, struct rng *r,
			    bool *reordered);

#endif
