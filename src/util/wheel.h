/* SPDX-License-Identifier: BSD-2-Clause */
/* A hashed timer wheel (Varghese & Lauck) for many coarse timeouts: O(1) to arm, re-arm and
 * cancel, and a sweep that touches only the slots whose time has come and the timers in them
 * (never every timer). Slots are `tick` units wide; a timer further away than the wheel's span
 * waits in the last slot of the span and is handed back early: its owner re-arms it (the
 * callback sees every expired timer and decides). Time is the caller's (any unit, monotonic).
 *
 * Built for iotcp-httpd's request/idle/send timeouts with 100k idle connections (issue 13):
 * the previous sweep visited every connection five times a second. */
#ifndef IOTCP_UTIL_WHEEL_H
#define IOTCP_UTIL_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

struct wheel_timer {
	struct wheel_timer *prev, *next; /* in a slot's list; prev == NULL when not armed */
	uint64_t due;
};

struct wheel {
	struct wheel_timer *slots; /* nslots list heads (sentinels) */
	uint32_t nslots;	   /* a power of two */
	uint64_t tick;		   /* slot width */
	uint64_t cur;		   /* the next slot to sweep, as an absolute slot number */
	uint64_t armed;		   /* timers armed */
};

/* nslots is rounded up to a power of two. -1 on ENOMEM. now: the current time. */
int wheel_init(struct wheel *w, uint32_t nslots, uint64_t tick, uint64_t now);
void wheel_free(struct wheel *w);
static inline bool wheel_armed(const struct wheel_timer *t)
{
	return t->prev != 0;
}
/* Arm (or move) t to fire at due (a due in the past fires at the next sweep). */
void wheel_arm(struct wheel *w, struct wheel_timer *t, uint64_t due);
void wheel_cancel(struct wheel *w, struct wheel_timer *t);
/* Every timer of the slots up to now is disarmed and handed to fn (which may re-arm it, arm
 * others or cancel others). Timers handed over early (beyond the span) have due > now.
 * Returns the number of timers handed over. */
uint64_t wheel_sweep(struct wheel *w, uint64_t now, void (*fn)(struct wheel_timer *t, void *arg),
		     void *arg);

#endif
