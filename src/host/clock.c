/* SPDX-License-Identifier: BSD-2-Clause */
/* CLOCK_MONOTONIC, the one place the host runtime reads time. */
#include "host/clock.h"

#include <time.h>

tcp_time_t host_clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (tcp_time_t)ts.tv_sec * TCP_SEC + (tcp_time_t)ts.tv_nsec;
}
