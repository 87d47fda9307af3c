/* SPDX-License-Identifier: BSD-2-Clause */
/* Cheap per-stage cycle accounting for poll loops: read the time-stamp counter around each stage
 * of a round and add the difference to that stage's counter, so a stats file can show where a
 * core's cycles go (rx, protocol input, output, tx, idle...). A read costs a few ns (rdtsc on
 * x86; CLOCK_MONOTONIC nanoseconds elsewhere). cycles_hz() converts counts to seconds. */
#ifndef IOTCP_PORT_CYCLES_H
#define IOTCP_PORT_CYCLES_H

#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

static inline uint64_t cycles_now(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/* Add the cycles since start to *stage; returns the current count (the next stage's start). */
static inline uint64_t cycles_lap(uint64_t *stage, uint64_t start)
{
	uint64_t now = cycles_now();

	*stage += now - start;
	return now;
}

/* The counter's rate, measured against CLOCK_MONOTONIC since cycles_clock_init(). */
struct cycles_clock {
	uint64_t cyc0;
	uint64_t ns0;
};

void cycles_clock_init(struct cycles_clock *c);
/* Counts per second (0 until some time has passed). */
uint64_t cycles_hz(const struct cycles_clock *c);

#endif
