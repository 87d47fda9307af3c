/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket API of iotcp.h: descriptor table, bind/listen/accept/connect, read/write,
 * shutdown/close, names (the options: sock_opt.c). POSIX errno values throughout. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "host/ctx.h"
#include "host/desc.h"
#include "host/epoll.h"
#include "host/offload.h"
#include "host/offload_flow.h"
#include "host/route.h"
#include "host/sock.h"
#include "host/sock_events.h"
#include "host/tls_session.h"

#define SOCK_BACKLOG_MAX 4096
#define HOST_IOV_MAX	 1024 /* UIO_MAXIOV */

static int fail(int e)
{
	errno = e;
	return -1;
}

/* ---- descriptors (desc.c holds the table) ---- */

static bool desc_room(struct iotcp_ctx *ctx)
{
	return ctx->free_head >= 0 || ctx->desc_cap < HOST_MAX_DESC;
}

struct host_sock *host_sock_lookup(struct iotcp_ctx *ctx, int sd)
{
	struct host_sock *s;

	if (!ctx) {
		errno = EINVAL;
		return NULL;
	}
	s = host_sock_get(ctx, sd);
	if (!s)
		errno = (sd >= 0 && (uint32_t)sd < ctx->desc_cap && ctx->desc[sd].kind != HD_FREE)
			    ? ENOTSOCK
			    : EBADF;
	return s;
}

static void *user_of(int sd)
{
	return (void *)(uintptr_t)(sd + 1);
}

/* ---- addresses and ports ---- */

/* A socket address: IPv4 (also an AF_INET6 socket's IPv4-mapped address), or IPv6. */
struct sock_addr {
	bool v6;
	uint32_t ip; /* host order */
	struct ipv6_addr ip6;
	uint16_t port;
};

/* addr as the socket's domain expects it: sockaddr_in for AF_INET, sockaddr_in6 for AF_INET6
 * (an IPv4-mapped address is IPv4, RFC 4291 section 2.5.5.2). */
static int get_addr(const struct host_sock *s, const struct sockaddr *addr, socklen_t len,
		    struct sock_addr *a)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (!addr)
		return -EFAULT;
	memset(a, 0, sizeof(*a));
	if (s->family == AF_INET6) {
		if (len < (socklen_t)sizeof(sin6))
			return -EINVAL;
		memcpy(&sin6, addr, sizeof(sin6));
		if (sin6.sin6_family != AF_INET6)
			return -EAFNOSUPPORT;
		memcpy(a->ip6.b, &sin6.sin6_addr, 16);
		a->port = ntohs(sin6.sin6_port);
		a->v6 = !ipv6_addr_is_v4mapped(&a->ip6);
		if (!a->v6)
			a->ip = (uint32_t)a->ip6.b[12] << 24 | (uint32_t)a->ip6.b[13] << 16 |
				(uint32_t)a->ip6.b[14] << 8 | a->ip6.b[15];
		return 0;
	}
	if (len < (socklen_t)sizeof(sin))
		return -EINVAL;
	memcpy(&sin, addr, sizeof(sin));
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	a->ip = ntohl(sin.sin_addr.s_addr);
	a->port = ntohs(sin.sin_port);
	return 0;
}

/* Store an address (v6: ip6, else ip) in the socket's domain: an AF_INET6 socket names IPv4
 * peers by their IPv4-mapped address, as Linux does. */
static void put_addr(const struct host_sock *s, struct sockaddr *addr, socklen_t *len, bool v6,
		     uint32_t ip, const struct ipv6_addr *ip6, uint16_t port)
{
	if (!addr || !len)
		return;
	if (s->family == AF_INET6) {
		struct sockaddr_in6 sin6;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		if (v6) {
			memcpy(&sin6.sin6_addr, ip6->b, 16);
		} else {
			sin6.sin6_addr.s6_addr[10] = 0xff;
			sin6.sin6_addr.s6_addr[11] = 0xff;
			uint32_t nip = htonl(ip);
			memcpy(&sin6.sin6_addr.s6_addr[12], &nip, 4);
		}
		memcpy(addr, &sin6, *len < (socklen_t)sizeof(sin6) ? *len : sizeof(sin6));
		*len = sizeof(sin6);
		return;
	}
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(ip);
	sin.sin_port = htons(port);
	memcpy(addr, &sin, *len < (socklen_t)sizeof(sin) ? *len : sizeof(sin));
	*len = sizeof(sin);
}

static void put_remote(const struct host_sock *s, struct sockaddr *addr, socklen_t *len,
		       const struct tcp_tuple *t)
{
	put_addr(s, addr, len, t->family == TCP_AF_INET6, t->raddr, &t->raddr6, t->rport);
}

/* Another socket holds port (RFC 9293 3.9.1.1: a local port identifies a listener). With
 * SO_REUSEADDR on both, sharing is allowed unless one of them listens. */
static bool port_in_use(struct iotcp_ctx *ctx, uint16_t port, const struct host_sock *self)
{
	for (uint32_t i = 0; i < ctx->desc_cap; i++) {
		if (ctx->desc[i].kind != HD_SOCK)
			continue;
		const struct host_sock *o = ctx->desc[i].sock;
		if (o == self || !o->bound || o->lport != port)
			continue;
		if (!(self && self->reuseaddr && o->reuseaddr) || o->lsn)
			return true;
	}
	return false;
}

static uint16_t next_ephemeral(struct iotcp_ctx *ctx)
{
	uint32_t range = HOST_EPHEM_HI - HOST_EPHEM_LO + 1;

	return (uint16_t)(HOST_EPHEM_LO + ctx->ephem_next++ % range);
}

static int autobind(struct iotcp_ctx *ctx, struct host_sock *s)
{
	for (uint32_t i = 0; i <= HOST_EPHEM_HI - HOST_EPHEM_LO; i++) {
		uint16_t p = next_ephemeral(ctx);
		if (!port_in_use(ctx, p, s)) {
			s->lport = p;
			s->bound = true;
			return 0;
		}
	}
	return -EADDRINUSE;
}

/* ---- the calls ---- */

int iotcp_socket(struct iotcp_ctx *ctx, int domain, int type, int protocol)
{
	struct host_sock *s;
	int sd;

	if (!ctx)
		return fail(EINVAL);
	if (domain != AF_INET && domain != AF_INET6)
		return fail(EAFNOSUPPORT);
	if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM)
		return fail(ESOCKTNOSUPPORT);
	if (protocol != 0 && protocol != IPPROTO_TCP)
		return fail(EPROTONOSUPPORT);
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail(ENOMEM);
	s->cfg = ctx->tcp_default;
	s->family = domain;
	s->v6 = domain == AF_INET6;
	sd = host_desc_alloc(ctx, HD_SOCK, s);
	if (sd < 0) {
		free(s);
		return fail(-sd);
	}
	s->sd = sd;
	ctx->nsocks++;
	return sd;
}

int iotcp_bind(struct iotcp_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	struct sock_addr a;
	int rc;

	if (!s)
		return -1;
	if ((rc = get_addr(s, addr, len, &a)) < 0)
		return fail(-rc);
	if (s->bound || s->conn || s->lsn)
		return fail(EINVAL);
	if (a.v6 ? !ipv6_addr_is_unspecified(&a.ip6) &&
		       !(ctx->has_ip6 && ipv6_addr_equal(&a.ip6, &ctx->ip6))
		 : a.ip != INADDR_ANY && a.ip != ctx->ip)
		return fail(EADDRNOTAVAIL);
	if (a.port == 0)
		rc = autobind(ctx, s);
	else if (port_in_use(ctx, a.port, s))
		rc = -EADDRINUSE;
	else
		s->lport = a.port;
	if (rc < 0)
		return fail(-rc);
	s->v6 = a.v6;
	s->laddr = a.ip;
	if (a.v6)
		s->laddr6 = a.ip6;
	s->bound = true;
	return 0;
}

int iotcp_listen(struct iotcp_ctx *ctx, int sd, int backlog)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	int err = 0, rc;

	if (!s)
		return -1;
	if (s->conn)
		return fail(EINVAL);
	if (backlog < 1)
		backlog = 1;
	if (backlog > SOCK_BACKLOG_MAX)
		backlog = SOCK_BACKLOG_MAX;
	if (s->lsn) { /* like Linux: only the backlog changes, and it is fixed here */
		return 0;
	}
	if (!s->bound && (rc = autobind(ctx, s)) < 0)
		return fail(-rc);
	/* An IPv4 socket takes IPv4 connections only (the core's IPv4 wildcard is dual stack,
	 * as an IPv6 socket bound to [::]): it listens on our one IPv4 address. */
	if (s->v6)
		s->lsn =
		    tcp_listen6(ctx->tcp, &s->laddr6, s->lport, (uint32_t)backlog, &s->cfg, &err);
	else
		s->lsn = tcp_listen(ctx->tcp, s->laddr ? s->laddr : ctx->ip, s->lport,
				    (uint32_t)backlog, &s->cfg, &err);
	if (!s->lsn)
		return fail(err ? err : ENOMEM);
	s->backlog = backlog;
	tcp_listener_set_user(s->lsn, user_of(sd));
	return 0;
}

int iotcp_accept(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len)
{
	struct host_sock *s = host_sock_lookup(ctx, sd), *ns;
	struct tcp_conn *c;
	int nsd;

	if (!s)
		return -1;
	if (!s->lsn)
		return fail(EINVAL);
	if (!desc_room(ctx))
		return fail(EMFILE);
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return fail(ENOMEM);
	c = tcp_accept(s->lsn);
	if (!c) {
		s->acceptable = false;
		free(ns);
		return fail(EAGAIN);
	}
	nsd = host_desc_alloc(ctx, HD_SOCK, ns);
	if (nsd < 0) {
		tcp_abort(c);
		free(ns);
		return fail(-nsd);
	}
	const struct tcp_tuple *t = tcp_conn_tuple(c);
	ns->sd = nsd;
	ns->conn = c;
	ns->connected = true;
	ns->family = s->family;
	ns->v6 = t->family == TCP_AF_INET6;
	ns->laddr = t->laddr;
	ns->laddr6 = t->laddr6;
	ns->lport = t->lport;
	ns->cfg = s->cfg;
	ns->reuseaddr = s->reuseaddr;
	ns->linger_on = s->linger_on;
	ns->linger_sec = s->linger_sec;
	tcp_conn_set_user(c, user_of(nsd));
	ctx->nsocks++;
	put_remote(s, addr, len, t);
	return nsd;
}

int iotcp_connect(struct iotcp_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	struct tcp_tuple t = {.laddr = 0}; /* IPv4 (family 0) */
	struct sock_addr a;
	int err = 0, rc;

	if (!s)
		return -1;
	if (s->lsn)
		return fail(EISCONN);
	if (s->conn) {
		enum tcp_state st = tcp_conn_state(s->conn);
		return fail(st == TCP_SYN_SENT || st == TCP_SYN_RECEIVED ? EALREADY : EISCONN);
	}
	if ((rc = get_addr(s, addr, len, &a)) < 0)
		return fail(-rc);
	if (a.v6 ? ipv6_addr_is_unspecified(&a.ip6) : a.ip == INADDR_ANY)
		return fail(EINVAL);
	if (a.port == 0)
		return fail(ECONNREFUSED);
	if (s->bound && (s->v6 != a.v6 &&
			 (s->v6 ? !ipv6_addr_is_unspecified(&s->laddr6) : s->laddr != INADDR_ANY)))
		return fail(EINVAL); /* bound to an address of the other family */
	if (a.v6) {
		struct ipv6_addr nh;
		if (!host_next_hop6(ctx, &a.ip6, &nh))
			return fail(ENETUNREACH);
		t = tcp_tuple6(&ctx->ip6, 0, &a.ip6, a.port);
	} else {
		t.raddr = a.ip;
		t.rport = a.port;
		if (!host_next_hop(ctx, t.raddr))
			return fail(ENETUNREACH);
		t.laddr = ctx->ip;
	}
	host_now(ctx);
	if (s->bound) {
		t.lport = s->lport;
		s->conn = tcp_connect(ctx->tcp, &t, &s->cfg, ctx->now, &err);
	} else {
		/* RFC 6056 section 3.3.1 style: walk the range from a random start. */
		for (uint32_t i = 0; i <= HOST_EPHEM_HI - HOST_EPHEM_LO && !s->conn; i++) {
			t.lport = next_ephemeral(ctx);
			if (port_in_use(ctx, t.lport, s))
				continue;
			s->conn = tcp_connect(ctx->tcp, &t, &s->cfg, ctx->now, &err);
			if (!s->conn && err != EADDRINUSE)
				break;
		}
	}
	if (!s->conn)
		return fail(err ? err : EADDRNOTAVAIL);
	s->v6 = a.v6;
	s->laddr = t.laddr;
	s->laddr6 = t.laddr6;
	s->lport = t.lport;
	s->bound = true;
	s->connected = true;
	s->err = 0;
	tcp_conn_set_user(s->conn, user_of(sd));
	return fail(EINPROGRESS);
}

ssize_t iotcp_read(struct iotcp_ctx *ctx, int sd, void *buf, size_t len)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	ssize_t r;

	if (!s)
		return -1;
	if (!s->conn)
		return fail(s->err ? s->err : ENOTCONN); /* reset by the offload module */
	if (s->shut_rd || len == 0)
		return 0;
	if (!buf)
		return fail(EFAULT);
	if (s->tls) {
		r = host_tls_read(ctx, s, buf, len);
		host_sock_snapshot(s);
		return r;
	}
	r = tcp_recv(s->conn, buf, len);
	host_sock_snapshot(s);
	if (r >= 0)
		return r;
	if (r == -ENOTCONN && host_sock_handshaking(s))
		r = -EAGAIN;
	return fail((int)-r);
}

static ssize_t send_bytes(struct iotcp_ctx *ctx, struct host_sock *s, const void *buf, size_t len)
{
	if (s->tls) {
		ssize_t w = host_tls_write(ctx, s, buf, len);
		host_sock_snapshot(s);
		return w < 0 ? -errno : w;
	}
	ssize_t r = tcp_send(s->conn, buf, len);

	if (r > 0)
		host_offload_inline_written(s);
	host_sock_snapshot(s);
	if (r == -ENOTCONN && host_sock_handshaking(s))
		r = -EAGAIN;
	return r;
}

ssize_t iotcp_write(struct iotcp_ctx *ctx, int sd, const void *buf, size_t len)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	ssize_t r;

	if (!s)
		return -1;
	if (!s->conn)
		return fail(s->err ? s->err : ENOTCONN);
	if (s->shut_wr)
		return fail(EPIPE);
	if (len == 0)
		return 0;
	if (!buf)
		return fail(EFAULT);
	r = send_bytes(ctx, s, buf, len);
	return r < 0 ? fail((int)-r) : r;
}

ssize_t iotcp_write_file(struct iotcp_ctx *ctx, int sd, const void *buf, size_t len)
{
	ssize_t r = iotcp_write(ctx, sd, buf, len);

	if (r > 0)
		ctx->cnt.file_payload_bytes += (uint64_t)r;
	return r;
}

ssize_t iotcp_write_from_file(struct iotcp_ctx *ctx, int sd, int fd, off_t off, size_t len)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	uint8_t *p[2];
	uint32_t plen[2];
	struct iovec iov[2];
	ssize_t r;

	if (!s)
		return -1;
	if (!s->conn)
		return fail(s->err ? s->err : ENOTCONN);
	if (s->shut_wr)
		return fail(EPIPE);
	if (s->tls)
		return fail(EOPNOTSUPP); /* the bytes must go through the record layer */
	if (len == 0)
		return 0;
	r = tcp_send_space(s->conn, len, p, plen);
	if (r < 0) {
		host_sock_snapshot(s);
		if (r == -ENOTCONN && host_sock_handshaking(s))
			r = -EAGAIN;
		return fail((int)-r);
	}
	int n = 0;
	for (int i = 0; i < 2; i++)
		if (plen[i])
			iov[n++] = (struct iovec){.iov_base = p[i], .iov_len = plen[i]};
	ssize_t got = preadv(fd, iov, n, off);
	int e = errno;
	tcp_send_commit(s->conn, got > 0 ? (uint32_t)got : 0);
	if (got > 0) {
		host_offload_inline_written(s);
		ctx->cnt.file_payload_bytes += (uint64_t)got;
	}
	host_sock_snapshot(s);
	if (got < 0)
		return fail(e);
	return got;
}

ssize_t iotcp_writev(struct iotcp_ctx *ctx, int sd, const struct iovec *iov, int iovcnt)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	size_t total = 0;

	if (!s)
		return -1;
	if (iovcnt < 0 || iovcnt > HOST_IOV_MAX)
		return fail(EINVAL);
	if (iovcnt && !iov)
		return fail(EFAULT);
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return fail(EINVAL);
		total += iov[i].iov_len;
	}
	if (!s->conn)
		return fail(ENOTCONN);
	if (s->shut_wr)
		return fail(EPIPE);
	total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		if (!iov[i].iov_base)
			return total ? (ssize_t)total : fail(EFAULT);
		ssize_t r = send_bytes(ctx, s, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return total ? (ssize_t)total : fail((int)-r);
		total += (size_t)r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return (ssize_t)total;
}

int iotcp_shutdown(struct iotcp_ctx *ctx, int sd, int how)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);

	if (!s)
		return -1;
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return fail(EINVAL);
	if (!s->conn)
		return fail(ENOTCONN);
	if (how != SHUT_WR)
		s->shut_rd = true;
	if (how != SHUT_RD && !s->shut_wr) {
		host_tls_shutdown(ctx, s); /* close_notify before the FIN */
		int rc = tcp_shutdown(s->conn);
		if (rc < 0 && rc != -ENOTCONN)
			return fail(-rc);
		s->shut_wr = true;
	}
	host_sock_notify(ctx, s, false);
	return 0;
}

static void sock_release(struct iotcp_ctx *ctx, struct host_sock *s, bool abort)
{
	host_epoll_forget_sock(ctx, s);
	abort = host_tls_release(ctx, s, abort || (s->linger_on && s->linger_sec == 0));
	if (host_offload_sock_release(ctx, s, abort))
		s->conn = NULL; /* the offload module finishes it */
	if (s->conn) {
		tcp_conn_set_user(s->conn, NULL);
		if (abort)
			tcp_abort(s->conn); /* SO_LINGER 0: RFC 9293 3.10.7 ABORT, RST */
		else
			tcp_close(s->conn);
	}
	if (s->lsn) {
		tcp_listener_set_user(s->lsn, NULL);
		tcp_listener_close(s->lsn);
	}
	host_desc_release(ctx, s->sd);
	ctx->nsocks--;
	free(s);
}

int iotcp_close(struct iotcp_ctx *ctx, int sd)
{
	if (!ctx)
		return fail(EINVAL);
	if (sd < 0 || (uint32_t)sd >= ctx->desc_cap)
		return fail(EBADF);
	switch (ctx->desc[sd].kind) {
	case HD_SOCK:
		sock_release(ctx, ctx->desc[sd].sock, false);
		return 0;
	case HD_EPOLL:
		host_epoll_free(ctx, ctx->desc[sd].ep);
		host_desc_release(ctx, sd);
		return 0;
	case HD_FID:
		return iotcp_offload_close(ctx, sd);
	default:
		return fail(EBADF);
	}
}

void host_desc_free_all(struct iotcp_ctx *ctx)
{
	for (uint32_t i = 0; i < ctx->desc_cap; i++) {
		switch (ctx->desc[i].kind) {
		case HD_SOCK:
			sock_release(ctx, ctx->desc[i].sock, true);
			break;
		case HD_EPOLL:
			host_epoll_free(ctx, ctx->desc[i].ep);
			host_desc_release(ctx, (int)i);
			break;
		case HD_FID:
			host_fid_free(ctx, (int)i);
			break;
		default:
			break;
		}
	}
}

int iotcp_getsockname(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);

	if (!s)
		return -1;
	if (!addr || !len)
		return fail(EFAULT);
	put_addr(s, addr, len, s->v6, s->laddr, &s->laddr6, s->lport);
	return 0;
}

int iotcp_getpeername(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);

	if (!s)
		return -1;
	if (!addr || !len)
		return fail(EFAULT);
	if (!s->conn || host_sock_handshaking(s) || tcp_conn_state(s->conn) == TCP_CLOSED)
		return fail(ENOTCONN);
	put_remote(s, addr, len, tcp_conn_tuple(s->conn));
	return 0;
}
