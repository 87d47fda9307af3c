/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC's side of SYNC (proto/sync.h): the bookkeeping of one resynchronisation -- its
 * epoch, the entries counted so far, and the flow ids to keep (listed by the host, or created
 * while the sync runs, so a flow that appears mid-way is never swept). The engine walks its
 * own flows and files; files carry the epoch that last confirmed them. */
#ifndef IOTCP_NIC_SYNC_H
#define IOTCP_NIC_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "nic/flow_pins.h"

#define NIC_SYNC_MAX_FLOWS (1u << 21) /* flow ids one sync may list (the host has 2^20) */

struct nic_sync {
	uint32_t epoch;
	bool active;
	bool too_many;		 /* more flows listed than NIC_SYNC_MAX_FLOWS */
	uint64_t seen;		 /* entries received in this epoch */
	struct flow_pins listed; /* flow ids to keep (as keys, index 0) */
};

/* A SYNC command of epoch with count entries: a new epoch starts a new sync. */
void nic_sync_entries(struct nic_sync *s, uint32_t epoch, uint32_t count);
/* Keep flow id (listed, or created during the sync). No-op when no sync runs. */
void nic_sync_keep(struct nic_sync *s, uint32_t flow);
bool nic_sync_kept(const struct nic_sync *s, uint32_t flow);
/* END of epoch with total entries: 0 when the sweep may run, -EAGAIN (entries missing, another
 * epoch) or -E2BIG (too many flows). An END without entries is a whole sync by itself. */
int nic_sync_end(struct nic_sync *s, uint32_t epoch, uint32_t total);
/* After the sweep (or a failed END): forget the sync's state. */
void nic_sync_finish(struct nic_sync *s);

#endif
