/* SPDX-License-Identifier: BSD-2-Clause */
/* Bookkeeping of one SYNC resynchronisation on the NIC (see sync.h). */
#include <errno.h>

#include "nic/sync.h"

static void begin(struct nic_sync *s, uint32_t epoch)
{
	nic_sync_finish(s);
	s->epoch = epoch;
	s->active = true;
}

void nic_sync_entries(struct nic_sync *s, uint32_t epoch, uint32_t count)
{
	if (!s->active || s->epoch != epoch)
		begin(s, epoch);
	s->seen += count;
}

void nic_sync_keep(struct nic_sync *s, uint32_t flow)
{
	if (!s->active || nic_sync_kept(s, flow))
		return;
	if (s->listed.distinct >= NIC_SYNC_MAX_FLOWS || flow_pins_add(&s->listed, flow, 0) < 0)
		s->too_many = true;
}

bool nic_sync_kept(const struct nic_sync *s, uint32_t flow)
{
	return flow_pins_count(&s->listed, flow, 0) > 0;
}

int nic_sync_end(struct nic_sync *s, uint32_t epoch, uint32_t total)
{
	if (total == 0 && (!s->active || s->epoch != epoch))
		begin(s, epoch); /* nothing alive on the host */
	if (!s->active || s->epoch != epoch || s->seen != total)
		return -EAGAIN;
	return s->too_many ? -E2BIG : 0;
}

void nic_sync_finish(struct nic_sync *s)
{
	flow_pins_free(&s->listed);
	s->active = false;
	s->too_many = false;
	s->seen = 0;
}
