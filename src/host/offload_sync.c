/* SPDX-License-Identifier: BSD-2-Clause */
/* Resynchronisation with the NIC (proto/sync.h, docs/protocol.md): while the NIC link is down
 * the host skips ACKD and CLOSE (nothing reaches the NIC), so when the link comes back with
 * the same boot id the NIC still holds flows and files the host has forgotten. The host then
 * sends SYNC: every live flow (with the acknowledged sequence number the NIC may have missed),
 * every open fid and every OPEN not yet answered, then END with the total; the NIC releases
 * everything else and answers SYNC_DONE. No answer within HOST_OFF_SYNC_RETRY, or an error
 * (entries lost on the way): again with a new epoch. Every HOST_OFF_SYNC_PERIOD a sync also runs
 * unasked, so state leaked by a lost ACKD(END) or CLOSE frame is reclaimed too. */
#include <errno.h>
#include <inttypes.h>

#include "host/ctx.h"
#include "host/desc.h"
#include "host/log.h"
#include "host/offload_cmd.h"
#include "host/offload_sync.h"
#include "host/offload_types.h"
#include "proto/sync.h"

#define SYNC_CHUNK 100u /* entries per SYNC command: fits a standard frame with the others */

struct sync_out {
	struct iotcp_ctx *ctx;
	uint8_t kind;
	struct proto_sync_entry e[SYNC_CHUNK];
	uint16_t n;
	uint32_t total;
	bool failed;
};

static void flush_chunk(struct sync_out *o)
{
	struct iotcp_ctx *ctx = o->ctx;
	struct proto_writer *w;

	if (!o->n || o->failed)
		return;
	w = host_off_cmd_writer(ctx, PROTO_SYNC_LEN + (size_t)o->n * PROTO_SYNC_ENTRY_LEN);
	if (!w || proto_put_sync(w, ctx->off.sync_epoch, o->kind, 0, o->e, o->n) < 0)
		o->failed = true;
	o->total += o->n;
	o->n = 0;
}

static void add(struct sync_out *o, uint8_t kind, uint32_t id, uint32_t value, uint32_t flags)
{
	if (o->kind != kind)
		flush_chunk(o);
	o->kind = kind;
	o->e[o->n++] = (struct proto_sync_entry){id, value, flags};
	if (o->n == SYNC_CHUNK)
		flush_chunk(o);
}

static void sync_send(struct iotcp_ctx *ctx)
{
	struct host_offload *off = &ctx->off;
	struct sync_out o = {.ctx = ctx, .kind = PROTO_SYNC_FLOWS};

	off->sync_epoch++;
	for (struct host_off_flow *f = off->list.next; f != &off->list; f = f->next)
		add(&o, PROTO_SYNC_FLOWS, f->id, f->ackd, f->sent_any ? PROTO_SYNC_E_VALUE : 0);
	for (uint32_t i = 0; i < ctx->desc_cap; i++) {
		if (ctx->desc[i].kind != HD_FID)
			continue;
		const struct host_fid *fid = ctx->desc[i].fid;
		if (fid->state == FID_OPEN)
			add(&o, PROTO_SYNC_FIDS, fid->nic_fid, 0, 0);
		else if (fid->state == FID_PENDING)
			add(&o, PROTO_SYNC_OPENS, fid->req_id, 0, 0);
	}
	flush_chunk(&o);
	struct proto_writer *w = o.failed ? NULL : host_off_cmd_writer(ctx, PROTO_SYNC_LEN);
	if (w && proto_put_sync(w, off->sync_epoch, PROTO_SYNC_END, o.total, NULL, 0) == 0)
		ctx->cnt.off_syncs++;
	off->sync_next = ctx->now + HOST_OFF_SYNC_RETRY; /* unanswered: again */
}

void host_offload_sync_start(struct iotcp_ctx *ctx)
{
	ctx->off.sync_pending = true;
	ctx->off.sync_next = ctx->now;
}

void host_offload_sync_cancel(struct iotcp_ctx *ctx)
{
	ctx->off.sync_pending = false;
	ctx->off.sync_due = ctx->now + HOST_OFF_SYNC_PERIOD;
}

void host_offload_sync_timers(struct iotcp_ctx *ctx)
{
	struct host_offload *off = &ctx->off;

	if (!ctx->nic.up)
		return;
	if (!off->sync_due)
		off->sync_due = ctx->now + HOST_OFF_SYNC_PERIOD;
	if (!off->sync_pending && ctx->now >= off->sync_due)
		host_offload_sync_start(ctx);
	if (off->sync_pending && ctx->now >= off->sync_next)
		sync_send(ctx);
}

void host_offload_sync_done(struct iotcp_ctx *ctx, const struct proto_sync_done *d)
{
	struct host_offload *off = &ctx->off;

	if (!off->sync_pending || d->epoch != off->sync_epoch) {
		ctx->cnt.off_cmd_unexpected++; /* an answer to an older attempt */
		return;
	}
	if (d->err < 0) {
		ctx->cnt.off_sync_retries++;
		off->sync_next = ctx->now; /* entries were lost: again, new epoch */
		return;
	}
	ctx->cnt.off_sync_flows_released += d->flows;
	ctx->cnt.off_sync_files_released += d->files;
	if (d->flows || d->files)
		host_log(ctx,
			 "NIC resynchronised: it released %" PRIu32 " flows (%" PRIu32
			 " SENDs) and %" PRIu32 " files the host no longer has",
			 d->flows, d->jobs, d->files);
	host_offload_sync_cancel(ctx);
}
