/* SPDX-License-Identifier: BSD-2-Clause */
/* Parsing of netem-style values and the per-frame random choices. */
#include "impair.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_US   1000ULL
#define MAX_TIME_NS (3600ULL * 1000000000ULL)

int impair_parse_time(const char *s, uint64_t *ns)
{
	char *end;
	double v, scale;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	if (!strcmp(end, "us") || !strcmp(end, "usec"))
		scale = 1e3;
	else if (!strcmp(end, "ms") || !strcmp(end, "msec"))
		scale = 1e6;
	else if (!strcmp(end, "s") || !strcmp(end, "sec"))
		scale = 1e9;
	else if (!*end && v == 0)
		scale = 0;
	else
		return -1;
	v *= scale;
	if (v > (double)MAX_TIME_NS)
		return -1;
	*ns = (uint64_t)(v + 0.5);
	return 0;
}

int impair_parse_pct(const char *s, double *p)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -1;
	if (*end == '%')
		end++;
	if (*end || v < 0 || v > 100)
		return -1;
	*p = v / 100.0;
	return 0;
}

/* Splits "A/B" into two strings in buf; "A" alone gives A twice. */
static int split_pair(const char *s, char *buf, size_t bufsz, const char **a, const char **b)
{
	char *slash;
	size_t n = strlen(s);

	if (n == 0 || n >= bufsz)
		return -1;
	memcpy(buf, s, n + 1);
	slash = strchr(buf, '/');
	*a = buf;
	*b = buf;
	if (slash) {
		*slash = '\0';
		*b = slash + 1;
		if (strchr(*b, '/'))
			return -1;
	}
	return 0;
}

int impair_parse_time_pair(const char *s, uint64_t *out_ab, uint64_t *out_ba)
{
	char buf[64];
	const char *a, *b;
	uint64_t va, vb;

	if (split_pair(s, buf, sizeof(buf), &a, &b) || impair_parse_time(a, &va) ||
	    impair_parse_time(b, &vb))
		return -1;
	*out_ab = va;
	*out_ba = vb;
	return 0;
}

int impair_parse_pct_pair(const char *s, double *out_ab, double *out_ba)
{
	char buf[64];
	const char *a, *b;
	double va, vb;

	if (split_pair(s, buf, sizeof(buf), &a, &b) || impair_parse_pct(a, &va) ||
	    impair_parse_pct(b, &vb))
		return -1;
	*out_ab = va;
	*out_ba = vb;
	return 0;
}

bool impair_is_noop(const struct impair_cfg *c)
{
	return c->delay_ns == 0 && c->jitter_ns == 0 && c->loss <= 0 && c->duplicate <= 0 &&
	       c->reorder <= 0 && c->corrupt <= 0;
}

/* netem's get_crandom: a new 32-bit draw mixed with the previous one, weight rho. */
static uint32_t crandom(uint32_t *last, double corr, struct rng *r)
{
	uint32_t v = rng_u32(r);
	if (corr <= 0)
		return v;
	uint64_t rho = (uint64_t)(corr * 4294967295.0) + 1;
	uint32_t answer = (uint32_t)(((uint64_t)v * ((1ull << 32) - rho) + (uint64_t)*last * rho) >> 32);
	*last = answer;
	return answer;
}

/* netem: `p >= crandom()` with p scaled to 32 bits; no draw at all when p is 0. */
static bool chance(double p, uint32_t *last, double corr, struct rng *r)
{
	if (p <= 0)
		return false;
	if (p >= 1) {
		(void)crandom(last, corr, r);
		return true;
	}
	return (uint32_t)(p * 4294967295.0) >= crandom(last, corr, r);
}

uint64_t impair_frame_delay(const struct impair_cfg *c, struct impair_state *st, struct rng *r,
			    bool *reordered)
{
	uint64_t d = c->delay_ns;

	*reordered = false;
	/* netem: a reordered frame is sent at once, ahead of the delayed ones. */
	if (c->reorder > 0 && d > 0 && chance(c->reorder, &st->reorder, c->reorder_corr, r)) {
		*reordered = true;
		return 0;
	}
	if (c->jitter_ns > 0) {
		/* netem's tabledist without a table: uniform in [delay - jitter, delay + jitter] */
		uint64_t span = 2 * c->jitter_ns + 1;
		uint64_t x;
		if (c->delay_corr > 0)
			x = crandom(&st->delay, c->delay_corr, r) % span;
		else
			x = rng_below(r, span);

		if (x < c->jitter_ns && c->jitter_ns - x > d)
			d = 0;
		else
			d = d + x - c->jitter_ns;
	}
	return d;
}

void impair_draw(const struct impair_cfg *c, struct impair_state *st, struct rng *r,
		 struct impair_fate *f)
{
	bool dup = chance(c->duplicate, &st->dup, c->dup_corr, r);
	bool lost = chance(c->loss, &st->loss, c->loss_corr, r);

	/* netem counts copies: 1, +1 duplicated, -1 lost; a lost duplicate leaves one copy */
	f->lost = lost && !dup;
	f->duplicate = dup && !lost;
	f->corrupt = false;
	f->reordered = false;
	f->delay_ns = 0;
	if (f->lost)
		return;
	f->corrupt = chance(c->corrupt, &st->corrupt, c->corrupt_corr, r);
	f->delay_ns = impair_frame_delay(c, st, r, &f->reordered);
}
