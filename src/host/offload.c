/* SPDX-License-Identifier: BSD-2-Clause */
/* The offload functions of iotcp.h (iotcp_offload_write: offload_write.c) and the offload file
 * ids. Fids live in the descriptor table
 * (kind HD_FID), so iotcp_close and the table's limits cover them too. A fid descriptor stays
 * allocated until the NIC confirmed its CLOSE: it is the tag of the file's ranges in the TCP
 * core, and must not name another file while any of them may still be sent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/ctx.h"
#include "host/desc.h"
#include "host/epoll.h"
#include "host/offload.h"
#include "host/offload_cmd.h"
#include "host/offload_types.h"
#include "host/sock_types.h"
#include "host/tx_batch.h"

static int fail(int e)
{
	errno = e;
	return -1;
}

struct host_fid *host_fid_get(struct iotcp_ctx *ctx, int desc)
{
	if (!ctx || desc < 0 || (uint32_t)desc >= ctx->desc_cap || ctx->desc[desc].kind != HD_FID)
		return NULL;
	return ctx->desc[desc].fid;
}

struct host_fid *host_fid_lookup(struct iotcp_ctx *ctx, int desc)
{
	struct host_fid *f = host_fid_get(ctx, desc);

	if (!f || f->closing) {
		errno = ctx ? EBADF : EINVAL;
		return NULL;
	}
	return f;
}

void host_fid_free(struct iotcp_ctx *ctx, int desc)
{
	struct host_fid *f = host_fid_get(ctx, desc);

	if (!f)
		return;
	for (struct host_fid **pp = &ctx->off.closing; *pp; pp = &(*pp)->close_next) {
		if (*pp == f) {
			*pp = f->close_next;
			break;
		}
	}
	free(f->path);
	free(f);
	host_desc_release(ctx, desc);
}

static bool put_open(struct iotcp_ctx *ctx, struct host_fid *f)
{
	struct proto_writer *w = host_off_cmd_writer(ctx, PROTO_OPEN_LEN + f->path_len);

	if (!w || proto_put_open(w, f->req_id, f->path, f->path_len) < 0)
		return false;
	f->resend_at = ctx->now + HOST_OFF_OPEN_RETRY;
	return true;
}

static bool put_close(struct iotcp_ctx *ctx, struct host_fid *f)
{
	struct proto_writer *w = host_off_cmd_writer(ctx, PROTO_CLOSE_LEN);

	if (!w || proto_put_close(w, f->nic_fid) < 0)
		return false;
	f->close_sent = true;
	f->resend_at = ctx->now + HOST_OFF_OPEN_RETRY;
	ctx->cnt.off_closes++;
	return true;
}

/* Tell the socket that asked for the open (once per completion, see epoll.c collect). */
static void notify_open(struct iotcp_ctx *ctx, struct host_fid *f)
{
	struct host_sock *s = host_sock_get(ctx, f->sd);

	if (!s || s != f->sock)
		return;
	s->off_events++;
	s->snap_ev &= ~(uint32_t)IOTCP_EPOLLOFFLOAD; /* a new completion is an edge */
	host_sock_notify(ctx, s, false);
}

int iotcp_offload_open(struct iotcp_ctx *ctx, int sd, const char *path)
{
	struct host_sock *s;
	struct host_fid *f;
	size_t n;
	int d;

	if (!ctx)
		return fail(EINVAL);
	s = host_sock_get(ctx, sd);
	if (!s)
		return fail(sd >= 0 && (uint32_t)sd < ctx->desc_cap && ctx->desc[sd].kind != HD_FREE
				? ENOTSOCK
				: EBADF);
	if (!path)
		return fail(EFAULT);
	n = strnlen(path, PROTO_PATH_MAX + 1);
	if (n == 0)
		return fail(ENOENT);
	if (n > PROTO_PATH_MAX)
		return fail(ENAMETOOLONG);
	if (!ctx->nic.enabled)
		return fail(EOPNOTSUPP);
	if (!ctx->nic.up)
		return fail(ENETDOWN);
	f = calloc(1, sizeof(*f));
	if (!f)
		return fail(ENOMEM);
	f->path = malloc(n);
	if (!f->path) {
		free(f);
		return fail(ENOMEM);
	}
	memcpy(f->path, path, n);
	f->path_len = (uint16_t)n;
	d = host_desc_alloc(ctx, HD_FID, f);
	if (d < 0) {
		free(f->path);
		free(f);
		return fail(-d);
	}
	host_now(ctx);
	f->desc = d;
	f->state = FID_PENDING;
	f->sd = sd;
	f->sock = s;
	/* req_id: descriptor in the low HOST_DESC_BITS, a generation above. */
	f->req_id = (uint32_t)++ctx->off.req_gen << HOST_DESC_BITS | (uint32_t)d;
	if (!put_open(ctx, f)) {
		host_fid_free(ctx, d);
		return fail(ENOBUFS);
	}
	ctx->cnt.off_opens++;
	host_offload_flush(ctx);
	host_tx_flush(ctx);
	return d;
}

void host_fid_open_done(struct iotcp_ctx *ctx, const struct proto_open_done *d)
{
	struct host_fid *f = host_fid_get(ctx, (int)(d->req_id & (HOST_MAX_DESC - 1)));

	if (!f || f->req_id != d->req_id || f->state != FID_PENDING) {
		/* A duplicate answer (our OPEN was resent) or a fid we gave up on: do not leak
		 * the NIC's file. */
		if (d->err == 0 && !(f && f->state != FID_PENDING && f->nic_fid == d->fid)) {
			struct proto_writer *w = host_off_cmd_writer(ctx, PROTO_CLOSE_LEN);
			if (w)
				proto_put_close(w, d->fid);
		}
		ctx->cnt.off_cmd_unexpected++;
		return;
	}
	if (d->err < 0) {
		f->state = FID_FAILED;
		f->err = d->err >= -4095 ? -d->err : EIO;
		ctx->cnt.off_open_errors++;
	} else {
		f->state = FID_OPEN;
		f->nic_fid = d->fid;
		f->mode = d->mode;
		f->size = d->size;
		f->mtime_sec = d->mtime_sec;
		f->mtime_nsec = d->mtime_nsec;
	}
	if (f->closing) { /* closed before the open completed */
		if (f->state == FID_OPEN)
			host_fid_release_bytes(ctx, f->desc, 0);
		else
			host_fid_free(ctx, f->desc);
		return;
	}
	notify_open(ctx, f);
}

/* ERROR answering an OPEN (malformed, busy, ...): the open fails with EIO. */
void host_fid_open_error(struct iotcp_ctx *ctx, uint32_t req_id, int err)
{
	struct host_fid *f = host_fid_get(ctx, (int)(req_id & (HOST_MAX_DESC - 1)));

	if (!f || f->req_id != req_id || f->state != FID_PENDING)
		return;
	f->state = FID_FAILED;
	f->err = err;
	ctx->cnt.off_open_errors++;
	if (f->closing) {
		host_fid_free(ctx, f->desc);
		return;
	}
	notify_open(ctx, f);
}

void host_fid_close_done(struct iotcp_ctx *ctx, const struct proto_close *c)
{
	for (struct host_fid *f = ctx->off.closing; f; f = f->close_next) {
		if (f->close_sent && f->nic_fid == c->fid) {
			host_fid_free(ctx, f->desc);
			return;
		}
	}
	ctx->cnt.off_cmd_unexpected++;
}

void host_fid_release_bytes(struct iotcp_ctx *ctx, int desc, uint64_t n)
{
	struct host_fid *f = host_fid_get(ctx, desc);

	if (!f)
		return;
	f->outstanding = n > f->outstanding ? 0 : f->outstanding - n;
	if (!f->closing || f->outstanding || f->close_sent)
		return;
	if (f->state != FID_OPEN || !ctx->nic.up) {
		host_fid_free(ctx, desc);
		return;
	}
	if (!put_close(ctx, f))
		f->resend_at = ctx->now; /* retried by host_fid_timers */
}

void host_fid_timers(struct iotcp_ctx *ctx)
{
	if (!ctx->nic.up)
		return;
	for (struct host_fid *f = ctx->off.closing; f; f = f->close_next)
		if (f->state == FID_OPEN && !f->outstanding && ctx->now >= f->resend_at)
			put_close(ctx, f);
	/* pending OPENs are few; they are found through the descriptor table only when due */
	if (ctx->now < ctx->off.next_open_scan)
		return;
	ctx->off.next_open_scan = ctx->now + HOST_OFF_OPEN_RETRY;
	for (uint32_t i = 0; i < ctx->desc_cap; i++) {
		if (ctx->desc[i].kind != HD_FID)
			continue;
		struct host_fid *f = ctx->desc[i].fid;
		if (f->state == FID_PENDING && ctx->now >= f->resend_at)
			put_open(ctx, f);
	}
}

void host_fid_nic_restart(struct iotcp_ctx *ctx)
{
	for (uint32_t i = 0; i < ctx->desc_cap; i++) {
		if (ctx->desc[i].kind != HD_FID)
			continue;
		struct host_fid *f = ctx->desc[i].fid;
		if (f->closing) {
			host_fid_free(ctx, (int)i);
			continue;
		}
		bool pending = f->state == FID_PENDING;
		f->state = FID_FAILED;
		f->err = pending ? EIO : EBADF;
		f->outstanding = 0;
		if (pending) {
			ctx->cnt.off_open_errors++;
			notify_open(ctx, f);
		}
	}
}

int iotcp_offload_fstat(struct iotcp_ctx *ctx, int fid, struct stat *st)
{
	struct host_fid *f = host_fid_lookup(ctx, fid);

	if (!f)
		return -1;
	if (!st)
		return fail(EFAULT);
	if (f->state == FID_PENDING)
		return fail(EINPROGRESS);
	if (f->state == FID_FAILED)
		return fail(f->err);
	memset(st, 0, sizeof(*st));
	st->st_mode = (mode_t)f->mode;
	st->st_size = (off_t)f->size;
	st->st_mtim.tv_sec = (time_t)f->mtime_sec;
	st->st_mtim.tv_nsec = (long)f->mtime_nsec;
	st->st_nlink = 1;
	return 0;
}

int iotcp_offload_close(struct iotcp_ctx *ctx, int fid)
{
	struct host_fid *f = host_fid_lookup(ctx, fid);

	if (!f)
		return -1;
	f->closing = true;
	f->close_next = ctx->off.closing;
	ctx->off.closing = f;
	f->resend_at = 0;
	if (f->state == FID_FAILED) {
		host_fid_free(ctx, fid);
		return 0;
	}
	if (f->state == FID_PENDING)
		return 0; /* finished when OPEN_DONE arrives */
	host_now(ctx);
	host_fid_release_bytes(ctx, fid, 0);
	if (ctx->off.frame_open) {
		host_offload_flush(ctx);
		host_tx_flush(ctx);
	}
	return 0;
}
