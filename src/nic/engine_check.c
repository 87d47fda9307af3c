/* SPDX-License-Identifier: BSD-2-Clause */
/* The engine's invariants (engine_check.h, util/invariant.h): jobs, flows and files recounted
 * from the lists, store pins and file references from the jobs and reads in flight. */
#include "nic/engine_check.h"

#include <stdlib.h>
#include <string.h>

#include "nic/engine_state.h"
#include "nic/flow_pins.h"
#include "nic/flow_table.h"
#include "nic/store.h"
#include "nic/tls_flow.h"
#include "util/invariant.h"

static int check_job_refs(struct nic_engine *e, const struct nic_job *j)
{
	if (j->fid_index >= e->cfg.max_files || !e->files[j->fid_index].used)
		return -1;
	for (uint32_t k = 0; k < j->nblocks; k++)
		e->check_pins[nic_store_block_id(e->store, j->blocks[k]) - 1]++;
	e->check_refs[j->fid_index]++;
	return 0;
}

/* A flow's totals: its job count, and its pin set holding exactly its jobs' blocks. */
static const char *check_flow_totals(struct nic_engine *e, const struct nic_flow *fl)
{
	uint32_t bs = nic_store_block_size(e->store), n = 0;
	uint64_t holds = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (struct nic_job *j = pass ? fl->sent_head : e->fifo_head; j; j = j->next) {
			if (j->flow != fl)
				continue;
			n++;
			holds += j->nblocks;
			for (uint32_t k = 0; k < j->nblocks; k++)
				if (!flow_pins_count(&fl->pins, j->key,
						     (uint32_t)(j->file_off / bs) + k))
					return "a job's block is missing from its flow's pins";
		}
	}
	if (n != fl->jobs)
		return "a flow's job count differs from its jobs";
	if (holds != flow_pins_total(&fl->pins))
		return "a flow's pins differ from its jobs' blocks";
	return NULL;
}

/* Recount everything from the jobs, flows, files and store blocks and compare with the
 * engine's counters and the store's pins: NULL, or what is broken. */
const char *nic_engine_check(struct nic_engine *e)
{
	uint32_t nb = nic_store_blocks(e->store), jobs = 0, flows = 0, files = 0;

	if (!e->check_pins) {
		e->check_pins = calloc(nb, sizeof(*e->check_pins));
		e->check_refs = calloc(e->cfg.max_files, sizeof(*e->check_refs));
		if (!e->check_pins || !e->check_refs)
			return "out of memory for the check";
	}
	memset(e->check_pins, 0, nb * sizeof(*e->check_pins));
	memset(e->check_refs, 0, e->cfg.max_files * sizeof(*e->check_refs));
	for (unsigned h = 0; h < FLOW_BUCKETS; h++)
		for (struct nic_flow *fl = e->flows[h]; fl; fl = fl->hnext)
			fl->check_n = 0;
	/* every job: FIFO first, then each flow's sent list */
	struct nic_job *fifo_last = NULL;
	for (struct nic_job *j = e->fifo_head; j; j = j->next) {
		fifo_last = j;
		if (eng_flow_get(e, j->flow->id, false) != j->flow)
			return "a waiting job's flow is not in the flow table";
		if (j->sent > j->len)
			return "a waiting job sent more than its length";
		if (check_job_refs(e, j) < 0)
			return "a job's file is not open";
		j->flow->check_n++;
	}
	if (fifo_last != e->fifo_tail)
		return "FIFO tail";
	for (unsigned h = 0; h < FLOW_BUCKETS; h++) {
		for (struct nic_flow *fl = e->flows[h]; fl; fl = fl->hnext) {
			flows++;
			if (fl->check_n != fl->waiting)
				return "a flow's waiting count differs from its jobs in the FIFO";
			jobs += fl->waiting;
			struct nic_job *last = NULL;
			for (struct nic_job *j = fl->sent_head; j; j = j->next) {
				if (j->flow != fl || j->sent != j->len)
					return "a sent job is on the wrong flow or not fully sent";
				if (check_job_refs(e, j) < 0)
					return "a job's file is not open";
				last = j;
				jobs++;
			}
			if (last != fl->sent_tail)
				return "a flow's sent tail";
			if (!fl->waiting && !fl->sent_head)
				return "a flow without jobs was kept";
			const char *why = check_flow_totals(e, fl);
			if (why)
				return why;
		}
	}
	if (jobs != e->jobs || flows != e->st.flows)
		return "job or flow count differs from the lists";
	nic_tls_count_pins(e->tls, e->check_pins); /* TLS records pin their plaintext too */
	/* files held by reads in flight */
	for (uint32_t id = 1; id <= nb; id++) {
		const struct nic_block *b = nic_store_block(e->store, id);
		if (b->state != NIC_BLOCK_READING)
			continue;
		if (b->read_owner >= e->cfg.max_files || !e->files[b->read_owner].used)
			return "a read in flight on a file that is not open";
		e->check_refs[b->read_owner]++;
	}
	for (uint32_t i = 0; i < e->cfg.max_files; i++) {
		const struct nic_file *f = &e->files[i];
		files += f->used;
		if (f->used ? f->refs != e->check_refs[i] : f->refs != 0)
			return "a file's references differ from its jobs and reads";
		if (f->used && f->closing && !f->refs)
			return "a closed file without references was kept open";
		if (!f->used && (f->closing || f->orphan))
			return "a free file slot marked closing";
	}
	if (files != e->st.files_open)
		return "open file count";
	return nic_store_check(e->store, e->check_pins);
}

/* The checks after every command frame, poll and reset, in the builds that have them; in a
 * big state (thousands of blocks and jobs) every 64th call. */
void eng_checked(struct nic_engine *e)
{
	if (!invariants_enabled())
		return;
	if (nic_store_blocks(e->store) + e->jobs > 4096 && (e->check_skip++ & 63))
		return;
	INVARIANT_OK(nic_engine_check(e));
}
