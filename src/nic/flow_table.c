/* SPDX-License-Identifier: BSD-2-Clause */
/* The flows (host connection ids) and freeing a job: its store pins, its flow's pin set, its
 * TLS state and its file reference (flow_table.h). */
#include "nic/flow_table.h"

#include <stdlib.h>

#include "nic/engine_state.h"
#include "nic/file_ops.h"
#include "nic/flow_pins.h"
#include "nic/store.h"
#include "nic/sync.h"
#include "nic/tls_flow.h"

static struct nic_flow **flow_slot(struct nic_engine *e, uint32_t id)
{
	struct nic_flow **p = &e->flows[(id * 2654435761u) >> 20 & (FLOW_BUCKETS - 1)];
	while (*p && (*p)->id != id)
		p = &(*p)->hnext;
	return p;
}

struct nic_flow *eng_flow_get(struct nic_engine *e, uint32_t id, bool create)
{
	struct nic_flow **p = flow_slot(e, id);
	if (*p || !create)
		return *p;
	struct nic_flow *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->id = id;
	*p = f;
	e->st.flows++;
	nic_sync_keep(&e->sync, id); /* created while a sync runs: alive */
	return f;
}

void eng_flow_maybe_free(struct nic_engine *e, struct nic_flow *f)
{
	if (f->waiting || f->sent_head)
		return;
	struct nic_flow **p = flow_slot(e, f->id);
	*p = f->hnext;
	flow_pins_free(&f->pins);
	free(f);
	e->st.flows--;
}

void eng_job_free(struct nic_engine *e, struct nic_job *j)
{
	uint32_t first = (uint32_t)(j->file_off / nic_store_block_size(e->store));
	for (uint32_t k = 0; k < j->nblocks; k++) {
		if (!j->blocks[k])
			continue;
		nic_store_unpin(e->store, j->blocks[k]);
		flow_pins_del(&j->flow->pins, j->key, first + k);
	}
	j->flow->jobs--;
	nic_tls_job_free(e->tls, j->tls);
	struct nic_file *f = &e->files[j->fid_index];
	if (f->refs)
		f->refs--;
	eng_file_release(e, j->fid_index);
	e->jobs--;
	e->st.jobs_released++;
	free(j);
}
