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

uint64_t impair_frame_delay(const struct impair_cfg *c, struct rng *r, bool *reordered)
{
	uint64_t d = c->delay_ns;

	*reordered = false;
	/* netem: a reordered frame is sent at once, ahead of the delayed ones. */
	if (c->reorder > 0 && d > 0 && rng_chance(r, c->reorder)) {
		*reordered = true;
		return 0;
	}
	if (c->jitter_ns > 0) {
		uint64_t span = 2 * c->jitter_ns + 1;
		uint64_t x = rng_below(r, span); /* delay - jitter + x, x in [0, 2 jitter] */

		if (x < c->jitter_ns && c->jitter_ns - x > d)
			d = 0;
		else
			d = d + x - c->jitter_ns;
	}
	return d;
}
