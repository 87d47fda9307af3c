/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-stage cycle accounting: the cycle counter against the monotonic clock (see cycles.h). */
#include "port/cycles.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cycles_clock_init(struct cycles_clock *c)
{
	c->cyc0 = cycles_now();
	c->ns0 = mono_ns();
}

uint64_t cycles_hz(const struct cycles_clock *c)
{
	uint64_t dns = mono_ns() - c->ns0;
	uint64_t dcyc = cycles_now() - c->cyc0;

	if (dns < 1000000u) /* under 1 ms: too coarse */
		return 0;
	/* dcyc * 1e9 / dns without overflow for any realistic uptime and rate */
	return (uint64_t)((unsigned __int128)dcyc * 1000000000u / dns);
}
