/* SPDX-License-Identifier: BSD-2-Clause */
/* Transmission of the jobs in the FIFO (send_tx.h): a job goes out once its store blocks are
 * read (and, for TLS, its file still checks), in per-flow order, as MSS segments or TSO frames
 * built by segment.c, or handed as store pieces to the zero-copy output; then it waits on its
 * flow's list for ACKD. */
#include "nic/send_tx.h"

#include <errno.h>
#include <sys/uio.h>

#include "nic/echo.h"
#include "nic/engine_state.h"
#include "nic/file_ops.h"
#include "nic/flow_table.h"
#include "nic/host_reply.h"
#include "nic/segment.h"
#include "nic/store.h"
#include "nic/tls_flow.h"
#include "proto/offload.h"

#define FRAME_IOV 24 /* store pieces of one frame: NIC_TSO_MAX_PAYLOAD over 4 KiB blocks */

enum job_state { JOB_WAIT, JOB_READY, JOB_FAILED };

static enum job_state job_check(struct nic_engine *e, struct nic_job *j, uint16_t *reason, int *err,
				uint64_t now)
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
		bool stat =
		    j->fresh || !f->stat_checked || now - f->stat_checked >= NIC_TLS_STAT_PERIOD_NS;
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
		uint32_t room = 65535u - (uint32_t)(j->tmpl.hlen -
						    (j->tmpl.v6 ? j->tmpl.l4off : j->tmpl.l3off));
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

bool eng_run_fifo(struct nic_engine *e, uint64_t now)
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
		if (j->flags & PROTO_SEND_F_ECHO)
			eng_echo(e, j, now);
		fifo_remove(e, link, prev);
		if (fl->sent_tail)
			fl->sent_tail->next = j;
		else
			fl->sent_head = j;
		fl->sent_tail = j;
	}
	return work;
}
