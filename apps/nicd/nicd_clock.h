/* SPDX-License-Identifier: BSD-2-Clause */
/* The daemon's clock: CLOCK_MONOTONIC in nanoseconds (the engine's and the ACK coalescer's
 * time), in whole seconds (the control protocol's, the once-a-second tick's), and the time to
 * the next tick. */
#ifndef IOTCP_NICD_CLOCK_H
#define IOTCP_NICD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t nicd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t nicd_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Milliseconds until the next whole second (the tick). */
static inline unsigned nicd_ms_to_next_second(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return 1000u - (unsigned)(ts.tv_nsec / 1000000L);
}

#endif
