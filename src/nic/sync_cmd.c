/* SPDX-License-Identifier: BSD-2-Clause */
/* SYNC (sync_cmd.h, proto/sync.h): after the link to the host was down, the host lists its live
 * flows, fids and pending OPENs; at END the engine releases every other flow and file, as the
 * ACKD(END)s and CLOSEs lost meanwhile would have (sync.c keeps the bookkeeping). */
#include "nic/sync_cmd.h"

#include <errno.h>
#include <stdlib.h>

#include "nic/ackd.h"
#include "nic/engine_state.h"
#include "nic/file_ops.h"
#include "nic/flow_table.h"
#include "nic/host_reply.h"
#include "nic/sync.h"
#include "nic/tls_flow.h"
#include "proto/sync.h"

struct id_list {
	uint32_t *ids;
	uint32_t n, cap;
	const struct nic_sync *keep;
};

static void collect_unlisted(void *ctx, uint32_t id)
{
	struct id_list *l = ctx;
	if (nic_sync_kept(l->keep, id))
		return;
	if (l->n == l->cap) {
		uint32_t ncap = l->cap ? l->cap * 2 : 64;
		uint32_t *n = realloc(l->ids, ncap * sizeof(*n));
		if (!n)
			return; /* this one stays until the next sync */
		l->ids = n;
		l->cap = ncap;
	}
	l->ids[l->n++] = id;
}

/* Release every flow the host did not list and every file it did not confirm: what the
 * ACKD(END)s and CLOSEs skipped while the link was down would have released. */
static void sync_sweep(struct nic_engine *e, struct proto_sync_done *d)
{
	struct id_list l = {.keep = &e->sync};

	for (unsigned b = 0; b < FLOW_BUCKETS; b++)
		for (struct nic_flow *fl = e->flows[b]; fl; fl = fl->hnext)
			collect_unlisted(&l, fl->id);
	nic_tls_for_each_flow(e->tls, collect_unlisted, &l);
	for (uint32_t i = 0; i < l.n; i++) {
		bool engine_flow = eng_flow_get(e, l.ids[i], false) != NULL;
		d->jobs += eng_flow_release(e, l.ids[i], 0, true);
		d->flows += engine_flow;
	}
	free(l.ids);
	for (uint32_t i = 0; i < e->cfg.max_files; i++) {
		struct nic_file *f = &e->files[i];
		if (!f->used || f->closing || f->sync_epoch == e->sync.epoch)
			continue;
		f->gen = (uint16_t)((f->gen + 1) & FID_GEN_MASK);
		f->closing = true;
		f->orphan = true;
		d->files++;
		eng_file_release(e, i);
	}
	e->st.sync_flows_released += d->flows;
	e->st.sync_files_released += d->files;
}

void eng_cmd_sync(struct nic_engine *e, const struct proto_cmd *cmd)
{
	struct proto_sync s;
	struct proto_sync_entry en;
	uint32_t fi;

	if (proto_sync_decode(cmd, &s) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	if (s.kind != PROTO_SYNC_END)
		nic_sync_entries(&e->sync, s.epoch, s.count);
	for (uint16_t i = 0; i < s.count; i++) {
		proto_sync_entry(&s, i, &en);
		if (s.kind == PROTO_SYNC_FLOWS) {
			nic_sync_keep(&e->sync, en.id);
			if (en.flags & PROTO_SYNC_E_VALUE) /* the ACKD it may have missed */
				eng_flow_release(e, en.id, en.value, false);
		} else if (s.kind == PROTO_SYNC_FIDS) {
			struct nic_file *f = eng_fid_lookup(e, en.id, &fi);
			if (f)
				f->sync_epoch = s.epoch;
		} else {
			for (uint32_t k = 0; k < e->cfg.max_files; k++)
				if (e->files[k].used && !e->files[k].closing &&
				    e->files[k].req_id == en.id)
					e->files[k].sync_epoch = s.epoch;
		}
	}
	if (s.kind != PROTO_SYNC_END)
		return;
	struct proto_sync_done d = {.epoch = s.epoch};
	d.err = nic_sync_end(&e->sync, s.epoch, s.total);
	if (d.err == 0) {
		sync_sweep(e, &d);
		e->st.syncs++;
	} else {
		e->st.sync_failed++;
	}
	nic_sync_finish(&e->sync);
	HOST_PUT(e, proto_put_sync_done(w_, &d));
}
