/* SPDX-License-Identifier: BSD-2-Clause */
/* The engine's counters (nic_engine_get_stats, engine.h): its own, the job counts, the store's
 * and the TLS path's. */
#include "nic/engine.h"
#include "nic/engine_state.h"
#include "nic/store.h"
#include "nic/tls_flow.h"

void nic_engine_get_stats(const struct nic_engine *e, struct nic_engine_stats *st)
{
	struct nic_store_stats ss;
	*st = e->st;
	st->jobs_pending = 0;
	for (struct nic_job *j = e->fifo_head; j; j = j->next)
		st->jobs_pending++;
	st->jobs_pinned = e->jobs - st->jobs_pending;
	nic_store_get_stats(e->store, &ss);
	st->store_hits = ss.hits;
	st->store_misses = ss.misses;
	st->store_evictions = ss.evictions;
	st->store_pinned_blocks = ss.blocks_pinned;
	st->store_blocks = ss.blocks;
	nic_tls_get_stats(e->tls, &st->tls);
}
