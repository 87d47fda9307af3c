/* SPDX-License-Identifier: BSD-2-Clause */
/* NIC offload engine. Objects:
 *   file  - an open fid: fd, identity key for the store, size; closed when the host closed it and
 *           no job references it any more.
 *   job   - one SEND: its header template and the store blocks it covers (pinned). Jobs wait in
 *           the global FIFO until their blocks are read, are transmitted in per-flow order, then
 *           stay on their flow's list, still pinning the blocks, until ACKD passes their end.
 *   flow  - the host's connection id: the list of transmitted, unacknowledged jobs.
 * fids carry a generation in their top bits so a stale fid is rejected, not confused. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "nic/engine.h"
#include "nic/flow_pins.h"
#include "nic/io.h"
#include "nic/segment.h"
#include "nic/store.h"
#include "nic/sync.h"
#include "nic/tls_flow.h"
#include "proto/offload.h"
#include "proto/sync.h"
#include "tcp/seq.h"
#include "util/invariant.h"

#define FID_INDEX_BITS 20
#define FID_INDEX_MASK ((1u << FID_INDEX_BITS) - 1)
#define FID_GEN_MASK   ((1u << (32 - FID_INDEX_BITS)) - 1) /* generations wrap in 12 bits */
#define FLOW_BUCKETS   4096
#define REAP_BATCH     64
#define MAX_JOB_LEN    (4u << 20) /* one SEND covers at most this much */
#define FRAME_IOV      24 /* store pieces of one frame: NIC_TSO_MAX_PAYLOAD over 4 KiB blocks */

/* io user data: kind in the top byte; a read's: store block id (24 bits) << 32 | ticket */
#define IO_OPEN  1ull
#define IO_READ  2ull
#define IO_USER(kind, v) (((kind) << 56) | (v))
#define DRAIN_MS 5000 /* nic_engine_stop_io: longest wait for reads in flight */

struct nic_file {
	int fd;
	bool used, closing;
	bool orphan;     /* closed by a reset or a sync: no CLOSE_DONE (the host forgot it) */
	uint32_t req_id;     /* the OPEN that opened it */
	uint32_t sync_epoch; /* the last SYNC that found it alive (or that it was opened in) */
	uint16_t gen;
	uint32_t refs;   /* jobs holding it, and reads in flight on its fd */
	uint64_t key, size;
	uint64_t stat_checked; /* when fstat last matched the open (TLS), ns; 0 never */
	uint32_t mode;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

struct pending_open {
	bool used;
	bool orphan; /* the host that asked is gone (reset): close the result */
	uint32_t req_id;
	char path[PROTO_PATH_MAX + 1];
};

struct nic_job {
	struct nic_job *next;      /* FIFO or flow list */
	struct nic_flow *flow;
	uint32_t fid_index;
	uint64_t key;              /* the file's store key (the flow's pins are counted by it) */
	uint64_t file_off;
	uint32_t file_len;         /* file bytes it pins (TLS: the whole records it touches) */
	uint32_t len, sent;        /* bytes of the burst, bytes already transmitted */
	uint16_t mss, ip_k;        /* MSS, segments emitted */
	uint32_t flags;
	uint64_t cookie, arrival;
	struct nic_tmpl tmpl;
	struct nic_tls_job *tls;   /* TLS_SEND: the payload is its record stream */
	bool fresh;                /* it started reads of file data */
	uint32_t nblocks;
	struct nic_block *blocks[]; /* pinned */
};

struct nic_flow {
	struct nic_flow *hnext;
	uint32_t id;
	uint32_t waiting;             /* jobs of this flow in the FIFO */
	uint32_t jobs;                /* all its jobs: waiting and sent */
	struct flow_pins pins;        /* the store blocks its jobs hold (per-flow limit) */
	uint32_t check_n;             /* invariant checks: FIFO jobs counted */
	uint64_t scan_blocked;        /* poll round in which an older job of it was not ready */
	struct nic_job *sent_head, *sent_tail;
};

struct nic_engine {
	struct nic_engine_config cfg;
	struct nic_engine_out out;
	struct nic_store *store;
	struct nic_io *io;
	struct nic_file *files;
	struct pending_open *opens;
	uint32_t nopens;
	struct nic_flow *flows[FLOW_BUCKETS];
	struct nic_job *fifo_head, *fifo_tail;
	uint64_t round;
	uint32_t jobs;
	/* command frame to the host being filled */
	uint8_t hbuf[2048];
	struct proto_writer w;
	bool w_open;
	struct nic_engine_stats st;
	struct nic_sync sync; /* a resynchronisation in progress (SYNC) */
	bool io_stopped;      /* nic_engine_stop_io: no file I/O any more, */
	bool io_drained;      /* ... and none was left in flight */
	uint32_t *check_pins; /* invariant checks: expected pins per store block, */
	uint32_t *check_refs; /* ... references per file; */
	uint32_t check_skip;  /* ... run on every call, or every 64th for a big state */
	uint32_t tso_max_payload; /* 0: one frame per MSS */
	nic_wire_send_tso_fn send_tso;
	nic_wire_send_iov_fn send_iov; /* zero-copy output */
	struct nic_tls *tls;           /* TLS_KEY / TLS_SEND state (tls_flow.c) */
	uint8_t *tls_frame;            /* a TLS frame's sealed payload */
};

/* ---- commands to the host ---- */

static void eng_host_flush(struct nic_engine *e)
{
	if (!e->w_open)
		return;
	int len = proto_writer_finish(&e->w);
	if (len > 0)
		e->out.host_send(e->out.ctx, e->hbuf, (size_t)len);
	e->w_open = false;
}

static struct proto_writer *eng_host_writer(struct nic_engine *e)
{
	if (!e->w_open) {
		size_t cap = e->cfg.host_mtu < sizeof(e->hbuf) ? e->cfg.host_mtu : sizeof(e->hbuf);
		proto_writer_init(&e->w, e->hbuf, cap);
		e->w_open = true;
	}
	return &e->w;
}

/* Run put against the open frame; when it is full, flush and retry in a new one. */
#define HOST_PUT(e, call)                                                                          \
	do {                                                                                       \
		struct proto_writer *w_ = eng_host_writer(e);                                      \
		if ((call) == -PROTO_E_NOSPACE) {                                                  \
			e->w.err = 0;                                                              \
			eng_host_flush(e);                                                         \
			w_ = eng_host_writer(e);                                                   \
			(void)(call);                                                              \
		}                                                                                  \
		(void)w_;                                                                          \
	} while (0)

static void eng_send_error(struct nic_engine *e, uint16_t cmd_type, uint16_t reason, int err,
			   uint32_t req_id, uint32_t flow, uint32_t fid, uint32_t seq, uint32_t len,
			   uint64_t cookie)
{
	struct proto_error pe = {.cmd_type = cmd_type, .reason = reason, .err = err,
				 .req_id = req_id, .flow = flow, .fid = fid, .seq = seq,
				 .len = len, .cookie = cookie};
	e->st.errors_sent++;
	HOST_PUT(e, proto_put_error(w_, &pe));
}

/* ---- files ---- */

static uint32_t eng_fid_make(const struct nic_engine *e, uint32_t index)
{
	return ((uint32_t)e->files[index].gen << FID_INDEX_BITS) | index;
}

static struct nic_file *eng_fid_lookup(struct nic_engine *e, uint32_t fid, uint32_t *index)
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

static void eng_file_release(struct nic_engine *e, uint32_t index)
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

static void eng_open_complete(struct nic_engine *e, uint32_t slot, int res)
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

static void eng_cmd_open(struct nic_engine *e, const struct proto_cmd *cmd)
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

static void eng_cmd_fstat(struct nic_engine *e, const struct proto_cmd *cmd)
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

static void eng_cmd_close(struct nic_engine *e, const struct proto_cmd *cmd)
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

/* ---- flows and jobs ---- */

static struct nic_flow **flow_slot(struct nic_engine *e, uint32_t id)
{
	struct nic_flow **p = &e->flows[(id * 2654435761u) >> 20 & (FLOW_BUCKETS - 1)];
	while (*p && (*p)->id != id)
		p = &(*p)->hnext;
	return p;
}

static struct nic_flow *eng_flow_get(struct nic_engine *e, uint32_t id, bool create)
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

static void eng_flow_maybe_free(struct nic_engine *e, struct nic_flow *f)
{
	if (f->waiting || f->sent_head)
		return;
	struct nic_flow **p = flow_slot(e, f->id);
	*p = f->hnext;
	flow_pins_free(&f->pins);
	free(f);
	e->st.flows--;
}

static void eng_job_free(struct nic_engine *e, struct nic_job *j)
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

/* Start the read of a fresh block. The read holds a reference on the file, so its fd stays
 * open (and cannot become another file's) until the completion is reaped. */
static void eng_block_read(struct nic_engine *e, struct nic_block *b, uint32_t fi)
{
	struct nic_file *f = &e->files[fi];
	uint32_t bs = nic_store_block_size(e->store);
	uint64_t off = (uint64_t)b->index * bs;
	uint32_t id = nic_store_block_id(e->store, b), ticket = nic_store_read_ticket(b);
	uint64_t user = IO_USER(IO_READ, (uint64_t)id << 32 | ticket);

	if (e->io_stopped || nic_io_read(e->io, f->fd, b->data, bs, off, user) < 0) {
		nic_store_read_done(e->store, id, ticket, -EBUSY);
		return;
	}
	b->read_owner = fi;
	f->refs++;
	e->st.reads++;
}

static void read_complete(struct nic_engine *e, uint64_t v, int res)
{
	struct nic_block *b = nic_store_read_done(e->store, (uint32_t)(v >> 32), (uint32_t)v, res);

	if (!b) {
		e->st.stale_reads++; /* not a read of ours in flight: discarded */
		return;
	}
	if (res < 0)
		e->st.read_errors++;
	else
		e->st.read_bytes += (uint64_t)res;
	uint32_t fi = b->read_owner;
	if (fi < e->cfg.max_files && e->files[fi].used && e->files[fi].refs) {
		e->files[fi].refs--;
		eng_file_release(e, fi);
	}
}

static void eng_cmd_send(struct nic_engine *e, const struct proto_cmd *cmd, uint64_t now)
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
	int err = tj ? nic_tls_job_bind(e->tls, tj, tmpl.seq, f->key, j->blocks, nb, first,
					&reason)
		     : 0;
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

/* ACKD: release the flow's sent jobs that end at or before acked; with end, every job of it
 * (waiting ones too) and its TLS state. Returns the jobs released. */
static uint32_t eng_flow_release(struct nic_engine *e, uint32_t id, uint32_t acked, bool end)
{
	uint64_t before = e->st.jobs_released;
	struct nic_flow *fl = eng_flow_get(e, id, false);
	if (!fl) {
		nic_tls_ackd(e->tls, id, acked, end);
		return 0;
	}
	while (fl->sent_head) {
		struct nic_job *j = fl->sent_head;
		if (!end && SEQ_GT(j->tmpl.seq + j->len, acked))
			break;
		fl->sent_head = j->next;
		if (!fl->sent_head)
			fl->sent_tail = NULL;
		eng_job_free(e, j);
	}
	if (end && fl->waiting) {
		/* drop its jobs still waiting in the FIFO */
		struct nic_job **p = &e->fifo_head, *prev = NULL;
		while (*p) {
			struct nic_job *j = *p;
			if (j->flow == fl) {
				*p = j->next;
				if (e->fifo_tail == j)
					e->fifo_tail = prev;
				fl->waiting--;
				eng_job_free(e, j);
			} else {
				prev = j;
				p = &j->next;
			}
		}
	}
	eng_flow_maybe_free(e, fl);
	nic_tls_ackd(e->tls, id, acked, end);
	return (uint32_t)(e->st.jobs_released - before);
}

static void eng_cmd_ackd(struct nic_engine *e, const struct proto_cmd *cmd)
{
	struct proto_ackd a;
	if (proto_ackd_decode(cmd, &a) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	e->st.ackds++;
	if (!eng_flow_get(e, a.flow, false))
		e->st.ackd_unknown_flow++;
	eng_flow_release(e, a.flow, a.acked, a.flags & PROTO_ACKD_F_END);
}

/* ---- resynchronisation (proto/sync.h) ---- */

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

static void eng_cmd_sync(struct nic_engine *e, const struct proto_cmd *cmd)
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

static void eng_cmd_tls_key(struct nic_engine *e, const struct proto_cmd *cmd)
{
	struct proto_tls_key k;
	uint16_t reason;
	if (proto_tls_key_decode(cmd, &k) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	proto_tls_key_wipe(cmd); /* the frame's copy of the key: the decoded one is used */
	nic_sync_keep(&e->sync, k.flow); /* a flow that appears while a sync runs is alive */
	int err = nic_tls_key(e->tls, &k, &reason);
	if (err < 0)
		eng_send_error(e, cmd->type, reason, err, k.epoch, k.flow, 0, 0, 0, 0);
	OPENSSL_cleanse(&k, sizeof(k));
}

/* ---- invariants (util/invariant.h) ---- */

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
				if (!flow_pins_count(&fl->pins, j->key, (uint32_t)(j->file_off / bs) + k))
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
static void eng_checked(struct nic_engine *e)
{
	if (!invariants_enabled())
		return;
	if (nic_store_blocks(e->store) + e->jobs > 4096 && (e->check_skip++ & 63))
		return;
	INVARIANT_OK(nic_engine_check(e));
}

void nic_engine_host_frame(struct nic_engine *e, const uint8_t *payload, size_t len, uint64_t now)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	int rc;

	if (proto_frame_open(&it, payload, len) < 0) {
		e->st.malformed++;
		return;
	}
	while ((rc = proto_next(&it, &cmd)) > 0) {
		e->st.cmds++;
		switch (cmd.type) {
		case PROTO_T_OPEN: eng_cmd_open(e, &cmd); break;
		case PROTO_T_FSTAT: eng_cmd_fstat(e, &cmd); break;
		case PROTO_T_CLOSE: eng_cmd_close(e, &cmd); break;
		case PROTO_T_SEND:
		case PROTO_T_TLS_SEND: eng_cmd_send(e, &cmd, now); break;
		case PROTO_T_TLS_KEY: eng_cmd_tls_key(e, &cmd); break;
		case PROTO_T_ACKD: eng_cmd_ackd(e, &cmd); break;
		case PROTO_T_SYNC: eng_cmd_sync(e, &cmd); break;
		case PROTO_T_HELLO:
		case PROTO_T_HEARTBEAT: break;
		default:
			e->st.malformed++;
			eng_send_error(e, cmd.type, PROTO_ERR_UNSUPPORTED, -EOPNOTSUPP, 0, 0, 0, 0,
				       0, 0);
			break;
		}
	}
	if (rc < 0)
		e->st.malformed++;
	eng_checked(e);
}

/* ---- transmission ---- */

enum job_state { JOB_WAIT, JOB_READY, JOB_FAILED };

static enum job_state job_check(struct nic_engine *e, struct nic_job *j, uint16_t *reason,
				int *err, uint64_t now)
{
	uint32_t bs = nic_store_block_size(e->store);
	uint64_t end = j->file_off + j->file_len;
	for (uint32_t k = 0; k < j->nblocks; k++) {
		struct nic_block *b = j->blocks[k];
		if (b->state == NIC_BLOCK_READING)
			return JOB_WAIT;
		if (b->state == NIC_BLOCK_ERROR) {
			*reason = PROTO_ERR_IO;
			*err = b->err;
			return JOB_FAILED;
		}
		uint64_t bstart = (uint64_t)b->index * bs;
		uint64_t need = end - bstart < bs ? end - bstart : bs;
		if (b->len < need) {
			*reason = PROTO_ERR_TRUNCATED;
			*err = -ENODATA;
			return JOB_FAILED;
		}
	}
	if (j->tls) {
		/* the file must still be the one opened: stat it after reads of this job's own, and
		 * at least every NIC_TLS_STAT_PERIOD_NS while it is sent */
		struct nic_file *f = &e->files[j->fid_index];
		bool stat = j->fresh || !f->stat_checked ||
			    now - f->stat_checked >= NIC_TLS_STAT_PERIOD_NS;
		*err = nic_tls_job_check_file(e->tls, j->tls, f->fd, f->key, stat, reason);
		if (*err < 0)
			return JOB_FAILED;
		if (stat)
			f->stat_checked = now ? now : 1;
	}
	return JOB_READY;
}

/* Payload bytes of j's next frame: one MSS, or with TSO as many whole MSS as fit (the tail of
 * the burst may be shorter). */
static uint32_t frame_payload(const struct nic_engine *e, const struct nic_job *j)
{
	uint32_t rest = j->len - j->sent;
	uint32_t cap = j->mss;

	if (e->tso_max_payload >= 2u * j->mss && (e->send_tso || e->send_iov)) {
		/* The IPv4 total length (IPv6: payload length) of the whole frame must fit in 16
		 * bits. */
		uint32_t room =
		    65535u - (uint32_t)(j->tmpl.hlen - (j->tmpl.v6 ? j->tmpl.l4off : j->tmpl.l3off));
		if (room > e->tso_max_payload)
			room = e->tso_max_payload;
		cap = room / j->mss * j->mss;
	}
	return rest < cap ? rest : cap;
}

enum tx_result { TX_DONE, TX_STALLED, TX_FAILED };

/* Transmit what the wire takes of j. */
static enum tx_result job_transmit(struct nic_engine *e, struct nic_job *j)
{
	uint32_t bs = nic_store_block_size(e->store);
	uint64_t first_block = j->file_off / bs;
	while (j->sent < j->len) {
		uint32_t n = frame_payload(e, j);
		uint8_t *buf = NULL;
		/* TLS: seal the frame's bytes first (nothing is allocated if that fails). */
		if (j->tls && nic_tls_job_fill(e->tls, j->tls, j->sent, n, e->tls_frame) < 0)
			return TX_FAILED;
		if (!e->send_iov) {
			buf = e->out.wire_alloc(e->out.ctx, (size_t)j->tmpl.hlen + n);
			if (!buf) {
				e->st.wire_stalls++;
				return TX_STALLED;
			}
		}
		struct iovec iov[FRAME_IOV];
		int niov = 0;
		uint64_t pos = j->file_off + j->sent;
		uint32_t left = n;
		if (j->tls) {
			iov[niov].iov_base = e->tls_frame;
			iov[niov++].iov_len = n;
			left = 0;
		}
		while (left && niov < FRAME_IOV) {
			struct nic_block *b = j->blocks[pos / bs - first_block];
			uint32_t boff = (uint32_t)(pos % bs);
			uint32_t take = bs - boff < left ? bs - boff : left;
			iov[niov].iov_base = b->data + boff;
			iov[niov].iov_len = take;
			niov++;
			pos += take;
			left -= take;
		}
		bool last = j->sent + n == j->len;
		uint16_t nseg = (uint16_t)((n + j->mss - 1) / j->mss);
		if (e->send_iov) {
			uint8_t hdr[NIC_TMPL_MAX];
			size_t hl = nic_seg_write_hdr(&j->tmpl, j->sent, j->ip_k, last, n, hdr,
						      sizeof(hdr));
			if (!e->send_iov(e->out.ctx, hdr, hl, iov, niov, n,
					 nseg > 1 ? j->mss : 0)) {
				e->st.wire_stalls++;
				return TX_STALLED;
			}
			e->st.tso_frames += nseg > 1;
			e->st.zero_copy_frames++;
			j->sent += n;
			j->ip_k = (uint16_t)(j->ip_k + nseg);
			e->st.segments += nseg;
			e->st.send_bytes += n;
			continue;
		}
		size_t fl = nic_seg_write(&j->tmpl, j->sent, j->ip_k, last, iov, niov, n, buf,
					  (size_t)j->tmpl.hlen + n, e->cfg.tcp_csum_offload);
		if (nseg > 1) {
			e->send_tso(e->out.ctx, buf, fl, j->tmpl.hlen, j->mss);
			e->st.tso_frames++;
		} else {
			e->out.wire_send(e->out.ctx, buf, fl);
		}
		j->sent += n;
		j->ip_k = (uint16_t)(j->ip_k + nseg);
		e->st.segments += nseg;
		e->st.send_bytes += n;
	}
	return TX_DONE;
}

static void fifo_remove(struct nic_engine *e, struct nic_job **link, struct nic_job *prev)
{
	struct nic_job *j = *link;
	*link = j->next;
	if (e->fifo_tail == j)
		e->fifo_tail = prev;
	j->next = NULL;
	j->flow->waiting--;
}

static bool eng_run_fifo(struct nic_engine *e, uint64_t now)
{
	bool work = false;
	struct nic_job **link = &e->fifo_head, *prev = NULL;
	e->round++;
	while (*link) {
		struct nic_job *j = *link;
		struct nic_flow *fl = j->flow;
		if (fl->scan_blocked == e->round) {
			prev = j;
			link = &j->next;
			continue;
		}
		uint16_t reason = 0;
		int err = 0;
		enum job_state s = job_check(e, j, &reason, &err, now);
		if (s == JOB_WAIT) {
			fl->scan_blocked = e->round; /* keep the flow's order */
			prev = j;
			link = &j->next;
			continue;
		}
		enum tx_result tx = s == JOB_READY ? job_transmit(e, j) : TX_FAILED;
		if (tx == TX_FAILED) {
			if (s == JOB_READY) {
				reason = PROTO_ERR_IO; /* sealing failed: the rest never goes out */
				err = -EIO;
			}
			if (reason == PROTO_ERR_TRUNCATED)
				e->st.truncated++;
			else
				e->st.read_errors++;
			eng_send_error(e, j->tls ? PROTO_T_TLS_SEND : PROTO_T_SEND, reason, err, 0,
				       fl->id, eng_fid_make(e, j->fid_index), j->tmpl.seq, j->len,
				       j->cookie);
			fifo_remove(e, link, prev);
			eng_job_free(e, j);
			eng_flow_maybe_free(e, fl);
			work = true;
			continue;
		}
		if (tx == TX_STALLED) {
			work = true;
			break; /* wire full: try again next poll */
		}
		work = true;
		if (j->flags & PROTO_SEND_F_ECHO) {
			uint64_t d = now - j->arrival;
			struct proto_echo ec = {.flow = fl->id, .seq = j->tmpl.seq, .len = j->len,
						.nic_delay_ns = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d,
						.cookie = j->cookie};
			e->st.echoes++;
			HOST_PUT(e, proto_put_echo(w_, &ec));
		}
		fifo_remove(e, link, prev);
		if (fl->sent_tail)
			fl->sent_tail->next = j;
		else
			fl->sent_head = j;
		fl->sent_tail = j;
	}
	return work;
}

uint16_t nic_engine_hello_flow_window(const struct nic_engine *e)
{
	uint64_t margin = 3ull * e->cfg.block_size, cap = e->cfg.max_flow_pinned;
	uint64_t units = cap > margin ? (cap - margin) / PROTO_FLOW_WINDOW_UNIT : 0;
	return (uint16_t)(units < 1 ? 1 : units > UINT16_MAX ? UINT16_MAX : units);
}

uint64_t nic_engine_default_flow_pinned(uint64_t store_bytes, uint32_t block_size)
{
	uint64_t share = store_bytes / 8, floor = 4ull * block_size;
	return share > floor ? share : floor;
}

static void eng_io_complete(struct nic_engine *e, const struct nic_io_done *d)
{
	uint64_t kind = d->user >> 56, v = d->user & ((1ull << 56) - 1);

	if (kind == IO_OPEN && v < e->cfg.max_files && e->opens[v].used)
		eng_open_complete(e, (uint32_t)v, d->res);
	else if (kind == IO_READ)
		read_complete(e, v, d->res);
	else
		e->st.stale_reads++; /* not ours: discarded */
}

bool nic_engine_poll(struct nic_engine *e, uint64_t now)
{
	struct nic_io_done done[REAP_BATCH];
	bool work = false;
	int n;

	if (!e->io_stopped) {
		nic_io_submit(e->io);
		while ((n = nic_io_reap(e->io, done, REAP_BATCH)) > 0) {
			work = true;
			for (int i = 0; i < n; i++)
				eng_io_complete(e, &done[i]);
			nic_io_submit(e->io);
		}
	}
	if (e->fifo_head && eng_run_fifo(e, now))
		work = true;
	eng_host_flush(e);
	eng_checked(e);
	return work;
}

bool nic_engine_busy(const struct nic_engine *e)
{
	return e->fifo_head != NULL || (!e->io_stopped && nic_io_inflight(e->io) > 0);
}

bool nic_engine_stop_io(struct nic_engine *e)
{
	struct nic_io_done done[REAP_BATCH];

	if (e->io_stopped)
		return e->io_drained;
	/* Every read in flight writes into a store block: wait for each completion. */
	for (unsigned waited = 0; nic_io_inflight(e->io) && waited < DRAIN_MS; waited += 100) {
		int n = nic_io_wait(e->io, done, REAP_BATCH, 100);
		for (int i = 0; i < n; i++)
			eng_io_complete(e, &done[i]);
	}
	e->io_drained = nic_io_inflight(e->io) == 0;
	e->io_stopped = true;
	eng_host_flush(e);
	return e->io_drained;
}

bool nic_engine_set_zero_copy(struct nic_engine *e, nic_wire_send_iov_fn send)
{
	if (send && !e->cfg.tcp_csum_offload)
		return false;
	e->send_iov = send;
	return true;
}

bool nic_engine_set_tso(struct nic_engine *e, uint32_t max_payload, nic_wire_send_tso_fn send)
{
	if (!max_payload || !send) {
		e->tso_max_payload = 0;
		e->send_tso = NULL;
		return true;
	}
	/* The port completes checksums per segment: it needs the pseudo-header sums. */
	if (!e->cfg.tcp_csum_offload)
		return false;
	e->tso_max_payload = max_payload < NIC_TSO_MAX_PAYLOAD ? max_payload : NIC_TSO_MAX_PAYLOAD;
	e->send_tso = send;
	return true;
}

struct nic_engine *nic_engine_new(const struct nic_engine_config *cfg,
				  const struct nic_engine_out *out)
{
	struct nic_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	if (!e->cfg.max_files)
		e->cfg.max_files = 4096;
	if (e->cfg.max_files > FID_INDEX_MASK)
		e->cfg.max_files = FID_INDEX_MASK;
	if (!e->cfg.max_jobs)
		e->cfg.max_jobs = NIC_DEFAULT_MAX_JOBS;
	if (!e->cfg.max_flow_jobs)
		e->cfg.max_flow_jobs = NIC_DEFAULT_MAX_FLOW_JOBS;
	if (e->cfg.max_flow_jobs > e->cfg.max_jobs)
		e->cfg.max_flow_jobs = e->cfg.max_jobs;
	if (!e->cfg.host_mtu)
		e->cfg.host_mtu = 1500;
	if (!e->cfg.block_size)
		e->cfg.block_size = 64 * 1024;
	e->out = *out;
	e->io = cfg->io;
	e->store = nic_store_new(cfg->store_bytes, e->cfg.block_size);
	if (!e->cfg.max_flow_pinned)
		e->cfg.max_flow_pinned = nic_engine_default_flow_pinned(cfg->store_bytes,
									 e->cfg.block_size);
	e->files = calloc(e->cfg.max_files, sizeof(*e->files));
	e->opens = calloc(e->cfg.max_files, sizeof(*e->opens));
	e->tls = e->store ? nic_tls_new(e->store, 0) : NULL;
	e->tls_frame = malloc(NIC_TLS_FILL_MAX);
	if (!e->store || !e->files || !e->opens || !e->io || !e->tls || !e->tls_frame) {
		nic_engine_free(e);
		return NULL;
	}
	return e;
}

void nic_engine_reset(struct nic_engine *e)
{
	/* Flows: free every job; the FIFO holds the rest. */
	for (unsigned b = 0; b < FLOW_BUCKETS; b++) {
		struct nic_flow *fl = e->flows[b];
		while (fl) {
			struct nic_flow *next = fl->hnext;
			while (fl->sent_head) {
				struct nic_job *j = fl->sent_head;
				fl->sent_head = j->next;
				eng_job_free(e, j);
			}
			fl->sent_tail = NULL;
			fl = next;
		}
	}
	while (e->fifo_head) {
		struct nic_job *j = e->fifo_head;
		e->fifo_head = j->next;
		j->flow->waiting--;
		eng_job_free(e, j);
	}
	e->fifo_tail = NULL;
	for (unsigned b = 0; b < FLOW_BUCKETS; b++) {
		while (e->flows[b]) {
			struct nic_flow *fl = e->flows[b];
			e->flows[b] = fl->hnext;
			free(fl);
			e->st.flows--;
		}
	}
	/* The old host's frame is dropped before the files are released (no CLOSE_DONE reaches
	 * the new host for them). A file whose reads are still in flight closes when the last
	 * completes: its fd must not be reused while the kernel reads it. */
	e->w_open = false;
	for (uint32_t i = 0; i < e->cfg.max_files; i++) {
		struct nic_file *f = &e->files[i];
		if (!f->used)
			continue;
		if (!f->closing)
			f->gen = (uint16_t)((f->gen + 1) & FID_GEN_MASK); /* stale for the new host */
		f->closing = true;
		f->orphan = true;
		eng_file_release(e, i);
	}
	nic_tls_reset(e->tls); /* after the jobs: their records go with the flows */
	nic_sync_finish(&e->sync);
	/* Pending opens complete later; their results are dropped with the host's state. */
	for (uint32_t i = 0; i < e->cfg.max_files; i++)
		if (e->opens[i].used)
			e->opens[i].orphan = true;
	eng_checked(e);
}

void nic_engine_free(struct nic_engine *e)
{
	if (!e)
		return;
	bool drained = !e->io || !e->store || nic_engine_stop_io(e);
	if (e->files && e->store && e->tls)
		nic_engine_reset(e);
	nic_tls_free(e->tls);
	free(e->tls_frame);
	/* A read that never completed may still write into the store: leave it allocated. */
	if (drained)
		nic_store_free(e->store);
	free(e->files);
	free(e->opens);
	free(e->check_pins);
	free(e->check_refs);
	nic_sync_finish(&e->sync);
	free(e);
}

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
