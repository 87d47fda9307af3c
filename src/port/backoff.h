/* SPDX-License-Identifier: BSD-2-Clause */
/* Idle back-off for poll loops on ports without rx interrupts (memif, af_packet): spin a few
 * empty polls, then sleep min_us, doubling each idle round up to max_us; any work resets it.
 * On this 2-core machine that keeps an idle poller near 0% CPU at <= max_us added latency. */
#ifndef IOTCP_PORT_BACKOFF_H
#define IOTCP_PORT_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

struct port_backoff {
	uint32_t spin_limit; /* empty polls before the first sleep */
	uint32_t min_us;     /* first sleep */
	uint32_t max_us;     /* longest sleep */
	uint32_t spins;	     /* empty polls since the last work */
	uint32_t next_us;    /* next sleep length once spinning is over */
	uint64_t sleeps;     /* sleeps taken (statistics) */
};

#define PORT_BACKOFF_SPINS  64u
#define PORT_BACKOFF_MIN_US 50u
#define PORT_BACKOFF_MAX_US 1000u

/* Initialise; zero arguments pick the defaults above. max_us is raised to min_us if lower. */
void port_backoff_init(struct port_backoff *b, uint32_t spin_limit, uint32_t min_us,
		       uint32_t max_us);
/* A poll found work: spin again next time. */
void port_backoff_reset(struct port_backoff *b);
/* A poll found nothing: returns 0 while still spinning, else the microseconds to sleep now
 * (and counts the sleep). */
uint32_t port_backoff_idle(struct port_backoff *b);
/* True when the next port_backoff_idle() will say sleep (the spinning is over). */
static inline bool port_backoff_will_sleep(const struct port_backoff *b)
{
	return b->spins >= b->spin_limit;
}
/* port_backoff_idle() and, if it says so, sleep (nanosleep). Returns the microseconds slept. */
uint32_t port_backoff_idle_sleep(struct port_backoff *b);

#endif
