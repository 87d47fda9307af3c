/* SPDX-License-Identifier: BSD-2-Clause */
/* SEND and TLS_SEND (send_cmd.h): a command becomes a job. Its template and range are checked,
 * the per-flow and global limits applied, the store blocks it covers pinned (reads started for
 * the fresh ones), and it waits in the FIFO until send_tx.c transmits it. */
#include "nic/send_cmd.h"

#include <errno.h>
#include <stdlib.h>

#include "nic/engine_state.h"
#include "nic/file_ops.h"
#include "nic/file_reads.h"
#include "nic/flow_pins.h"
#include "nic/flow_table.h"
#include "nic/host_reply.h"
#include "nic/segment.h"
#include "nic/store.h"
#include "nic/tls_flow.h"
#include "proto/offload.h"

#define MAX_JOB_LEN (4u << 20) /* one SEND covers at most this much */

/* A SEND of blocks first..first+nb-1 of key would take the flow past its share: the jobs
 * limit, or the pin limit counted in distinct blocks (what the flow already holds costs
 * nothing: retransmissions pass). A flow without jobs may always have one, so every flow can
 * make progress whatever the limits. */
static bool flow_over_limit(const struct nic_engine *e, const struct nic_flow *fl, uint64_t key,
			    uint64_t first, uint32_t nb)
{
	if (!fl->jobs)
		return false;
	if (fl->jobs >= e->cfg.max_flow_jobs)
		return true;
	uint64_t blocks = fl->pins.distinct + flow_pins_missing(&fl->pins, key, first, nb);
	return blocks * nic_store_block_size(e->store) > e->cfg.max_flow_pinned;
}

void eng_cmd_send(struct nic_engine *e, const struct proto_cmd *cmd, uint64_t now)
{
	struct proto_send s;
	uint32_t fi;
	if (proto_send_decode(cmd, &s) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	e->st.sends++;
	if (s.flags & PROTO_SEND_F_RETRANSMIT)
		e->st.retransmits++;
	struct nic_tmpl tmpl;
	if (nic_tmpl_init(&tmpl, s.tmpl, s.tmpl_len) < 0 ||
	    (e->cfg.wire_max_frame && (size_t)tmpl.hlen + s.mss > e->cfg.wire_max_frame)) {
		eng_send_error(e, cmd->type, PROTO_ERR_BAD_TEMPLATE, -EINVAL, 0, s.flow, s.fid, 0,
			       s.len, s.cookie);
		return;
	}
	struct nic_file *f = eng_fid_lookup(e, s.fid, &fi);
	if (!f) {
		eng_send_error(e, cmd->type, PROTO_ERR_UNKNOWN_FID, -EBADF, 0, s.flow, s.fid,
			       tmpl.seq, s.len, s.cookie);
		return;
	}
	uint64_t pin_off = s.file_off, pin_len = s.len;
	struct nic_tls_job *tj = NULL;
	if (s.is_tls && s.len <= MAX_JOB_LEN) {
		uint16_t reason;
		int err;
		tj = nic_tls_job_prepare(e->tls, &s, f->size, &pin_off, &pin_len, &err, &reason);
		if (!tj) {
			eng_send_error(e, cmd->type, reason, err, 0, s.flow, s.fid, tmpl.seq, s.len,
				       s.cookie);
			return;
		}
	}
	if (s.len > MAX_JOB_LEN || pin_off + pin_len > f->size) {
		eng_send_error(e, cmd->type, PROTO_ERR_RANGE, -EINVAL, 0, s.flow, s.fid, tmpl.seq,
			       s.len, s.cookie);
		return;
	}
	if (e->jobs >= e->cfg.max_jobs) {
		nic_tls_job_free(e->tls, tj);
		eng_send_error(e, cmd->type, PROTO_ERR_BUSY, -EBUSY, 0, s.flow, s.fid, tmpl.seq,
			       s.len, s.cookie);
		return;
	}
	uint32_t bs = nic_store_block_size(e->store);
	uint64_t first = pin_off / bs, last = (pin_off + pin_len - 1) / bs;
	uint32_t nb = (uint32_t)(last - first + 1);
	struct nic_flow *fl = eng_flow_get(e, s.flow, true);
	if (fl && flow_over_limit(e, fl, f->key, first, nb)) {
		/* this flow holds its share: only it waits (the host backs off this flow) */
		e->st.flow_limited++;
		nic_tls_job_free(e->tls, tj);
		eng_send_error(e, cmd->type, PROTO_ERR_FLOW_LIMIT,
			       fl->jobs >= e->cfg.max_flow_jobs ? -EBUSY : -ENOBUFS, 0, s.flow,
			       s.fid, tmpl.seq, s.len, s.cookie);
		return;
	}
	struct nic_job *j = calloc(1, sizeof(*j) + nb * sizeof(j->blocks[0]));
	if (!fl || !j) {
		free(j);
		nic_tls_job_free(e->tls, tj);
		if (fl)
			eng_flow_maybe_free(e, fl);
		eng_send_error(e, cmd->type, PROTO_ERR_BUSY, -ENOMEM, 0, s.flow, s.fid, tmpl.seq,
			       s.len, s.cookie);
		return;
	}
	j->flow = fl;
	j->fid_index = fi;
	j->key = f->key;
	j->file_off = pin_off;
	j->file_len = (uint32_t)pin_len;
	j->len = s.len;
	j->tls = tj;
	j->mss = s.mss;
	j->flags = s.flags;
	j->cookie = s.cookie;
	j->arrival = now;
	j->tmpl = tmpl;
	j->nblocks = nb;
	f->refs++;
	e->jobs++;
	fl->jobs++;
	for (uint32_t k = 0; k < nb; k++) {
		bool fresh;
		struct nic_block *b = NULL;
		if (flow_pins_add(&fl->pins, f->key, (uint32_t)(first + k)) == 0) {
			b = nic_store_get(e->store, f->key, (uint32_t)(first + k), &fresh);
			if (!b)
				flow_pins_del(&fl->pins, f->key, (uint32_t)(first + k));
		}
		if (!b) {
			e->st.store_full++;
			eng_send_error(e, cmd->type, PROTO_ERR_STORE_FULL, -ENOBUFS, 0, s.flow,
				       s.fid, tmpl.seq, s.len, s.cookie);
			eng_job_free(e, j);
			eng_flow_maybe_free(e, fl);
			return;
		}
		j->blocks[k] = b;
		if (fresh) {
			eng_block_read(e, b, fi);
			j->fresh = true;
		}
	}
	uint16_t reason;
	int err =
	    tj ? nic_tls_job_bind(e->tls, tj, tmpl.seq, f->key, j->blocks, nb, first, &reason) : 0;
	if (err < 0) {
		eng_send_error(e, cmd->type, reason, err, 0, s.flow, s.fid, tmpl.seq, s.len,
			       s.cookie);
		eng_job_free(e, j);
		eng_flow_maybe_free(e, fl);
		return;
	}
	fl->waiting++;
	if (e->fifo_tail)
		e->fifo_tail->next = j;
	else
		e->fifo_head = j;
	e->fifo_tail = j;
}
