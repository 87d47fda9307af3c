/* SPDX-License-Identifier: BSD-2-Clause */
/* Spin-then-sleep idle back-off for poll loops (see backoff.h). */
#include "port/backoff.h"

#include <errno.h>
#include <time.h>

void port_backoff_init(struct port_backoff *b, uint32_t spin_limit, uint32_t min_us,
		       uint32_t max_us)
{
	b->spin_limit = spin_limit ? spin_limit : PORT_BACKOFF_SPINS;
	b->min_us = min_us ? min_us : PORT_BACKOFF_MIN_US;
	b->max_us = max_us ? max_us : PORT_BACKOFF_MAX_US;
	if (b->max_us < b->min_us)
		b->max_us = b->min_us;
	b->sleeps = 0;
	port_backoff_reset(b);
}

void port_backoff_reset(struct port_backoff *b)
{
	b->spins = 0;
	b->next_us = b->min_us;
}

uint32_t port_backoff_idle(struct port_backoff *b)
{
	if (b->spins < b->spin_limit) {
		b->spins++;
		return 0;
	}
	uint32_t us = b->next_us;
	b->next_us = us >= b->max_us / 2 ? b->max_us : us * 2;
	b->sleeps++;
	return us;
}

uint32_t port_backoff_idle_sleep(struct port_backoff *b)
{
	uint32_t us = port_backoff_idle(b);

	if (us) {
		struct timespec ts = {.tv_sec = us / 1000000u,
				      .tv_nsec = (long)(us % 1000000u) * 1000L};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	return us;
}
