/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp_offload_write: a range of an offloaded file queued on a socket, as an external
 * reservation in the TCP core recorded on the connection's flow (offload_types.h); on a TLS
 * socket a body of records sealed on the NIC (tls_offload.c). */
#include <errno.h>
#include <sys/stat.h>

#include "host/ctx.h"
#include "host/desc.h"
#include "host/offload.h"
#include "host/offload_flow.h"
#include "host/offload_types.h"
#include "host/sock_types.h"
#include "host/tls_offload.h"

static int fail(int e)
{
	errno = e;
	return -1;
}

ssize_t iotcp_offload_write(struct iotcp_ctx *ctx, int sd, int fid, off_t *offset, size_t len)
{
	struct host_sock *s;
	struct host_fid *f;
	struct host_off_flow *fl;
	uint32_t n;
	ssize_t r;

	if (!ctx)
		return fail(EINVAL);
	s = host_sock_get(ctx, sd);
	if (!s)
		return fail(EBADF);
	f = host_fid_lookup(ctx, fid);
	if (!f)
		return -1;
	if (!offset)
		return fail(EFAULT);
	if (f->state == FID_PENDING)
		return fail(EINPROGRESS);
	if (f->state == FID_FAILED)
		return fail(EBADF);
	if (!S_ISREG(f->mode))
		return fail(EINVAL);
	if (*offset < 0 || (uint64_t)*offset > f->size || len > f->size - (uint64_t)*offset)
		return fail(EINVAL);
	if (!s->conn)
		return fail(s->err ? s->err : ENOTCONN);
	if (s->shut_wr)
		return fail(EPIPE);
	if (len == 0)
		return 0;
	if (!ctx->nic.up)
		return fail(ENETDOWN);
	if (tcp_conn_tuple(s->conn)->family == TCP_AF_INET6 && !(ctx->nic.caps & PROTO_CAP_IPV6))
		return fail(EAFNOSUPPORT); /* a NIC that cannot frame IPv6: the host sends */
	if (s->tls)			   /* records sealed on the NIC */
		return host_tls_offload_write(ctx, s, f, offset, len);
	fl = host_off_flow_of(ctx, s);
	if (!fl)
		return fail(ENOMEM);
	n = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	r = tcp_send_ext(s->conn, n, (uint64_t)fid, (uint64_t)*offset);
	s->snap_space = tcp_conn_send_space(s->conn);
	if (r < 0) {
		enum tcp_state st = tcp_conn_state(s->conn);
		if (r == -ENOTCONN && (st == TCP_SYN_SENT || st == TCP_SYN_RECEIVED))
			r = -EAGAIN;
		return fail((int)-r);
	}
	struct host_off_res res = {
	    .fid_desc = fid, .tag = (uint64_t)fid, .off = (uint64_t)*offset, .len = (uint32_t)r};
	if (host_off_flow_reserve(ctx, fl, &res) < 0) {
		/* cannot track it: the bytes are queued, so the connection must go */
		host_offload_abort_sock(ctx, s, ENOMEM);
		return fail(ENOMEM);
	}
	f->outstanding += (uint64_t)r;
	*offset += (off_t)r;
	return r;
}
