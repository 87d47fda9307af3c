/* SPDX-License-Identifier: BSD-2-Clause */
/* The runtime's only time source. The TCP core never reads a clock: the host passes it
 * host_clock_now(). Tests may install a fake clock through struct host_clock. */
#ifndef IOTCP_HOST_CLOCK_H
#define IOTCP_HOST_CLOCK_H

#include "tcp/types.h"

struct host_clock {
	/* Nanoseconds, monotonic. NULL: CLOCK_MONOTONIC. */
	tcp_time_t (*now)(void *arg);
	void *arg;
};

/* CLOCK_MONOTONIC in nanoseconds. */
tcp_time_t host_clock_monotonic(void);

static inline tcp_time_t host_clock_now(const struct host_clock *c)
{
	return c->now ? c->now(c->arg) : host_clock_monotonic();
}

#endif
