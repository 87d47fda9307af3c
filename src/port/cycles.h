/* SPDX-License-Identifier: BSD-2-Clause */
/* Cheap per-stage cycle accounting for poll loops: read a free-running counter around each stage
 * of a round and add the difference to that stage's counter, so a stats file can show where a
 * core's cycles go (rx, protocol input, output, tx, idle...). The counter is the time-stamp
 * counter on x86 (rdtsc), the generic timer's virtual count on arm64 (cntvct_el0: a fixed rate,
 * e.g. 200 MHz on a BlueField-2, not the core clock), CLOCK_MONOTONIC nanoseconds elsewhere; a
 * read costs a few ns. cycles_hz() converts counts to seconds. */
#ifndef IOTCP_PORT_CYCLES_H
#define IOTCP_PORT_CYCLES_H

#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

/* The counter read: the one place that knows the architecture. */
static inline uint64_t cycles_counter_read(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#elif defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static inline uint64_t cycles_now(void)
{
	return cycles_counter_read();
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
