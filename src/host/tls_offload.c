/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS file bodies sealed on the NIC (tls_offload.h). */
#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>

#include "host/ctx.h"
#include "host/offload_flow.h"
#include "host/offload_types.h"
#include "host/sock_types.h"
#include "host/tls_bio.h"
#include "host/tls_flow.h"
#include "host/tls_keys.h"
#include "host/tls_offload.h"
#include "host/tls_session.h"
#include "tls/record.h"

static ssize_t fail(int e)
{
	errno = e;
	return -1;
}

/* The last reservation is a body this write continues (tls_offload.h). */
static struct host_off_res *continued_body(const struct host_tls_sess *t,
					   struct host_off_flow *f, int fid_desc, uint64_t off)
{
	struct host_off_res *last = f->nres > f->res_head ? &f->res[f->nres - 1] : NULL;
	struct tls_layout l;

	if (!last || !last->tls.on || f->inline_after || last->fid_desc != fid_desc ||
	    last->tls.epoch != t->epoch || last->tls.body_off + last->tls.body_len != off ||
	    off % HOST_TLS_REC_SIZE != 0)
		return NULL;
	if (tls_layout_init(&l, t->version, t->cipher, TLS_ALIGN_FILE, HOST_TLS_REC_SIZE,
			    last->tls.body_off, last->tls.body_len) < 0 ||
	    last->tls.rec_seq + l.nrec != t->seq)
		return NULL;
	return last;
}

ssize_t host_tls_offload_write(struct iotcp_ctx *ctx, struct host_sock *s, struct host_fid *fid,
			       off_t *offset, size_t len)
{
	struct host_tls_sess *t = s->tls;
	struct host_off_res r = {0}, *last;
	struct host_off_flow *f;
	struct tls_layout l;
	uint64_t room, space, w, k, plain, stream;
	ssize_t n;
	int rc;

	host_tls_pump(ctx, s);
	if (t->state == IOTCP_TLS_FAILED)
		return fail(t->err ? t->err : EPIPE);
	if (t->state == IOTCP_TLS_HANDSHAKE)
		return fail(EAGAIN);
	if (t->shut_sent)
		return fail(EPIPE);
	/* Without the key the NIC cannot seal: never send a file body any other way. */
	if (!t->handoff || !(ctx->nic.caps & PROTO_CAP_TLS))
		return fail(EOPNOTSUPP);
	if (!host_tls_flush(t))
		return fail(EAGAIN);
	rc = host_tls_key_room(ctx, t, &room);
	if (rc < 0)
		return fail(-rc);
	if (tls_layout_init(&l, t->version, t->cipher, TLS_ALIGN_FILE, HOST_TLS_REC_SIZE,
			    (uint64_t)*offset, len) < 0)
		return fail(EINVAL);
	/* whole records only: record i < nrec - 1 ends at stream byte (i + 1) * w - phase */
	space = tcp_conn_send_space(s->conn);
	w = HOST_TLS_REC_SIZE + l.overhead;
	k = (space + l.phase) / w;
	if (k >= l.nrec)
		k = l.stream_len <= space ? l.nrec : l.nrec - 1;
	if (k > room)
		k = room;
	if (!k)
		return fail(EAGAIN);
	if (k == l.nrec) {
		plain = len;
		stream = l.stream_len;
	} else {
		plain = k * HOST_TLS_REC_SIZE - l.phase;
		stream = k * w - l.phase;
	}
	f = host_off_flow_of(ctx, s);
	if (!f)
		return fail(ENOMEM);
	if (!f->tls_keys)
		f->tls_keys = host_tls_keys_get(t->keys);
	if (!host_tls_flow_key(ctx, f, t->epoch))
		return fail(EAGAIN); /* no command buffer now */
	last = continued_body(t, f, fid->desc, (uint64_t)*offset);
	if (last) {
		r = *last;
		r.off = last->off + last->len;
	} else {
		r.fid_desc = fid->desc;
		r.tag = HOST_TLS_TAG | ++ctx->tls->tag_serial;
		r.tls = (struct host_off_tls){.on = true,
					      .epoch = t->epoch,
					      .body_off = (uint64_t)*offset,
					      .rec_seq = t->seq};
	}
	r.len = (uint32_t)stream;
	r.tls.body_len = plain; /* added to the continued body's */
	n = tcp_send_ext(s->conn, (uint32_t)stream, r.tag, r.off);
	if (n < 0)
		return fail(n == -ENOTCONN ? EAGAIN : (int)-n);
	if ((uint64_t)n != stream) {
		/* part of a record reserved: its sequence numbers are spoken for, the stream
		 * cannot go on */
		host_offload_abort_sock(ctx, s, EIO);
		return fail(EIO);
	}
	if (host_off_flow_reserve(ctx, f, &r) < 0) {
		host_offload_abort_sock(ctx, s, ENOMEM);
		return fail(ENOMEM);
	}
	fid->outstanding += stream;
	t->seq += k;
	t->epoch_records += k;
	t->records_nic += k;
	ctx->tls->cnt.records_nic += k;
	ctx->tls->cnt.bytes_nic += plain;
	*offset += (off_t)plain;
	return (ssize_t)plain;
}
