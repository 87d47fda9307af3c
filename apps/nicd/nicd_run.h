/* SPDX-License-Identifier: BSD-2-Clause */
/* The daemon's poll loop: each round forwards a burst each way (host commands on the way), polls
 * the engine and flushes its segments to the wire, and once a second ticks (links, HELLO or
 * HEARTBEAT, stats file); it times each stage (nicd_counters.h NICD_STAGES) and, when a round
 * found nothing to do, backs off: short naps while reads are in flight or the wire is full,
 * else spin then sleep, with the host's doorbell armed and tap rx interrupts where there are. */
#ifndef IOTCP_NICD_RUN_H
#define IOTCP_NICD_RUN_H

#include <stdbool.h>

#include "nicd.h"

/* Run until stop() is true (checked every round). */
void nicd_run(struct nicd *d, bool (*stop)(void));

#endif
