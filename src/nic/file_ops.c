/* SPDX-License-Identifier: BSD-2-Clause */
/* OPEN, FSTAT and CLOSE, and the table of open files behind the fids (file_ops.h). OPEN goes to
 * the I/O context (openat2 beneath the docroot) and completes in eng_open_complete; a file the
 * host closed stays open while jobs or reads still use it. */
#define _GNU_SOURCE /* statx */
#include "nic/file_ops.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nic/engine_state.h"
#include "nic/host_reply.h"
#include "nic/io.h"
#include "nic/store.h"
#include "proto/offload.h"

uint32_t eng_fid_make(const struct nic_engine *e, uint32_t index)
{
	return ((uint32_t)e->files[index].gen << FID_INDEX_BITS) | index;
}

struct nic_file *eng_fid_lookup(struct nic_engine *e, uint32_t fid, uint32_t *index)
{
	uint32_t i = fid & FID_INDEX_MASK;
	if (i >= e->cfg.max_files)
		return NULL;
	struct nic_file *f = &e->files[i];
	if (!f->used || f->closing || f->gen != (fid >> FID_INDEX_BITS))
		return NULL;
	*index = i;
	return f;
}

void eng_file_release(struct nic_engine *e, uint32_t index)
{
	struct nic_file *f = &e->files[index];
	if (!f->used || !f->closing || f->refs)
		return;
	uint32_t fid = eng_fid_make(e, index);
	bool tell = !f->orphan;
	close(f->fd);
	f->used = false;
	f->closing = false;
	f->orphan = false;
	f->gen = (uint16_t)((f->gen + 1) & FID_GEN_MASK);
	e->st.files_open--;
	if (tell)
		HOST_PUT(e, proto_put_close_done(w_, fid, 0));
}

static void fill_done(const struct nic_file *f, struct proto_open_done *d)
{
	d->mode = f->mode;
	d->size = f->size;
	d->mtime_sec = f->mtime_sec;
	d->mtime_nsec = f->mtime_nsec;
}

void eng_open_complete(struct nic_engine *e, uint32_t slot, int res)
{
	struct pending_open *po = &e->opens[slot];
	struct proto_open_done d = {.req_id = po->req_id};
	struct statx stx;
	uint32_t i;

	po->used = false;
	e->nopens--;
	if (po->orphan) {
		po->orphan = false;
		if (res >= 0)
			close(res);
		return;
	}
	if (res < 0) {
		d.err = res;
		e->st.open_errors++;
		goto reply;
	}
	uint64_t key;
	int rc = nic_store_file_key_fd(res, &key, &stx);
	if (rc < 0) {
		d.err = rc;
		close(res);
		e->st.open_errors++;
		goto reply;
	}
	if (!S_ISREG(stx.stx_mode) && !S_ISDIR(stx.stx_mode)) {
		/* a FIFO, socket or device (opened O_NONBLOCK, so nothing waited): refused */
		d.err = -EPERM;
		close(res);
		e->st.open_errors++;
		goto reply;
	}
	for (i = 0; i < e->cfg.max_files && e->files[i].used; i++)
		;
	if (i == e->cfg.max_files) {
		d.err = -EMFILE;
		close(res);
		e->st.open_errors++;
		goto reply;
	}
	struct nic_file *f = &e->files[i];
	f->used = true;
	f->closing = false;
	f->orphan = false;
	f->req_id = po->req_id;
	f->sync_epoch = e->sync.epoch; /* opened now: alive for a sync in progress */
	f->fd = res;
	f->refs = 0;
	f->stat_checked = 0;
	f->size = stx.stx_size;
	f->mode = stx.stx_mode;
	f->mtime_sec = stx.stx_mtime.tv_sec;
	f->mtime_nsec = stx.stx_mtime.tv_nsec;
	f->key = key;
	e->st.files_open++;
	d.fid = eng_fid_make(e, i);
	fill_done(f, &d);
reply:
	HOST_PUT(e, proto_put_open_done(w_, PROTO_T_OPEN_DONE, &d));
}

void eng_cmd_open(struct nic_engine *e, const struct proto_cmd *cmd)
{
	struct proto_open o;
	if (proto_open_decode(cmd, &o) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	e->st.opens++;
	uint32_t slot;
	for (slot = 0; slot < e->cfg.max_files && e->opens[slot].used; slot++)
		;
	if (slot == e->cfg.max_files) {
		struct proto_open_done d = {.req_id = o.req_id, .err = -EMFILE};
		e->st.open_errors++;
		HOST_PUT(e, proto_put_open_done(w_, PROTO_T_OPEN_DONE, &d));
		return;
	}
	struct pending_open *po = &e->opens[slot];
	po->used = true;
	po->req_id = o.req_id;
	memcpy(po->path, o.path, o.path_len);
	po->path[o.path_len] = '\0';
	e->nopens++;
	if (nic_io_open_beneath(e->io, e->cfg.docroot_fd, po->path, IO_USER(IO_OPEN, slot)) < 0)
		eng_open_complete(e, slot, -EBUSY);
}

void eng_cmd_fstat(struct nic_engine *e, const struct proto_cmd *cmd)
{
	struct proto_fstat fs;
	uint32_t i;
	if (proto_fstat_decode(cmd, &fs) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	e->st.fstats++;
	struct proto_open_done d = {.req_id = fs.req_id, .fid = fs.fid};
	struct nic_file *f = eng_fid_lookup(e, fs.fid, &i);
	if (!f)
		d.err = -EBADF;
	else
		fill_done(f, &d);
	HOST_PUT(e, proto_put_open_done(w_, PROTO_T_FSTAT_DONE, &d));
}

void eng_cmd_close(struct nic_engine *e, const struct proto_cmd *cmd)
{
	struct proto_close c;
	uint32_t i;
	if (proto_close_decode(cmd, &c) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	if (!eng_fid_lookup(e, c.fid, &i)) {
		eng_send_error(e, PROTO_T_CLOSE, PROTO_ERR_UNKNOWN_FID, -EBADF, 0, 0, c.fid, 0, 0,
			       0);
		return;
	}
	e->st.closes++;
	e->files[i].closing = true;
	eng_file_release(e, i);
}
