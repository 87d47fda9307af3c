/* SPDX-License-Identifier: BSD-2-Clause */
/* Socket options of iotcp.h: iotcp_setsockopt and iotcp_getsockopt (SOL_SOCKET and IPPROTO_TCP,
 * Linux's names and value ranges). POSIX errno values throughout. */
#include <errno.h>
#include <linux/tcp.h> /* option names; <netinet/tcp.h> clashes with enum tcp_state */
#include <netinet/in.h>
#include <string.h>

#include "host/ctx.h"
#include "host/sock.h"

#define SOCK_BUF_MIN 2048u
#define SOCK_BUF_MAX (1u << 30)
#define TCP_MSS_MIN  88 /* Linux TCP_MIN_MSS */
#define TCP_MSS_MAX  32767

static int fail(int e)
{
	errno = e;
	return -1;
}

static int cc_name(const void *optval, socklen_t optlen, char out[16])
{
	size_t n = optlen < 15 ? optlen : 15;

	memcpy(out, optval, n);
	out[n] = '\0';
	if (strcmp(out, "reno") == 0)
		strcpy(out, "newreno");
	if (strcmp(out, "cubic") != 0 && strcmp(out, "newreno") != 0)
		return -ENOENT;
	return 0;
}

static int setopt_socket(struct iotcp_ctx *ctx, struct host_sock *s, int optname,
			 const void *optval, socklen_t optlen)
{
	int v = 0;

	if (optname == SO_LINGER) {
		struct linger l;
		if (optlen < (socklen_t)sizeof(l))
			return -EINVAL;
		memcpy(&l, optval, sizeof(l));
		s->linger_on = l.l_onoff != 0;
		s->linger_sec = l.l_linger < 0 ? 0 : l.l_linger;
		return 0;
	}
	if (optlen < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(&v, optval, sizeof(v));
	switch (optname) {
	case SO_REUSEADDR:
		s->reuseaddr = v != 0;
		return 0;
	case SO_KEEPALIVE:
		s->cfg.keepalive = v != 0; /* takes effect for connections opened after this */
		return 0;
	case SO_SNDBUF:
	case SO_RCVBUF: {
		uint32_t b = v < (int)SOCK_BUF_MIN ? SOCK_BUF_MIN : (uint32_t)v;
		if (b > SOCK_BUF_MAX)
			b = SOCK_BUF_MAX;
		if (optname == SO_SNDBUF) {
			s->cfg.sndbuf = b;
			s->cfg.sndbuf_auto = false; /* explicit size: no auto-tuning (Linux) */
		} else {
			s->cfg.rcvbuf = b;
			s->cfg.rcvbuf_auto = false;
		}
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
}

static int setopt_tcp(struct iotcp_ctx *ctx, struct host_sock *s, int optname, const void *optval,
		      socklen_t optlen)
{
	int v = 0;

	if (optname == TCP_CONGESTION) {
		char name[16];
		int rc = cc_name(optval, optlen, name);
		if (rc < 0)
			return rc;
		if (s->conn && (rc = tcp_conn_set_cc(s->conn, name, host_now(ctx))) < 0)
			return rc;
		memcpy(s->cfg.cc, name, sizeof(name));
		return 0;
	}
	if (optlen < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(&v, optval, sizeof(v));
	switch (optname) {
	case TCP_NODELAY:
		s->cfg.nodelay = v != 0;
		if (s->conn)
			return tcp_conn_set_nodelay(s->conn, v != 0);
		return 0;
	case TCP_MAXSEG:
		if (v < TCP_MSS_MIN || v > TCP_MSS_MAX)
			return -EINVAL;
		if ((uint32_t)v > ctx->tcp_default.mss)
			v = ctx->tcp_default.mss; /* never above what the MTU carries */
		s->cfg.mss = (uint16_t)v;
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			return -EINVAL;
		if (optname == TCP_KEEPIDLE)
			s->cfg.keep_idle = (tcp_time_t)v * TCP_SEC;
		else
			s->cfg.keep_intvl = (tcp_time_t)v * TCP_SEC;
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			return -EINVAL;
		s->cfg.keep_cnt = (uint32_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int iotcp_setsockopt(struct iotcp_ctx *ctx, int sd, int level, int optname, const void *optval,
		     socklen_t optlen)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	int rc;

	if (!s)
		return -1;
	if (!optval)
		return fail(EFAULT);
	if (level == SOL_SOCKET)
		rc = setopt_socket(ctx, s, optname, optval, optlen);
	else if (level == IPPROTO_TCP)
		rc = setopt_tcp(ctx, s, optname, optval, optlen);
	else if (level == IPPROTO_IPV6 && optname == IPV6_V6ONLY && s->family == AF_INET6)
		rc = optlen < (socklen_t)sizeof(int) ? -EINVAL
		     : *(const int *)optval	     ? -EINVAL /* [::] is always dual stack */
						     : 0;
	else
		rc = -ENOPROTOOPT;
	return rc < 0 ? fail(-rc) : 0;
}

static int sock_error(struct host_sock *s)
{
	int e = s->err;

	if (e) {
		s->err = 0;
		return e;
	}
	if (s->conn) {
		e = tcp_conn_error(s->conn);
		if (e && e != s->err_seen) {
			s->err_seen = e; /* reported once, like Linux clearing sk_err */
			return e;
		}
	}
	return 0;
}

int iotcp_getsockopt(struct iotcp_ctx *ctx, int sd, int level, int optname, void *optval,
		     socklen_t *optlen)
{
	struct host_sock *s = host_sock_lookup(ctx, sd);
	int v;

	if (!s)
		return -1;
	if (!optval || !optlen)
		return fail(EFAULT);
	if (level == IPPROTO_TCP && optname == TCP_CONGESTION) {
		size_t n = strlen(s->cfg.cc) + 1;
		if (s->conn) {
			struct tcp_conn_info info;
			tcp_conn_info(s->conn, &info);
			if (info.cc) {
				n = strlen(info.cc) + 1;
				if (n > sizeof(s->cfg.cc))
					n = sizeof(s->cfg.cc);
				memcpy(s->cfg.cc, info.cc, n - 1);
				s->cfg.cc[n - 1] = '\0';
			}
		}
		if (*optlen < (socklen_t)n)
			n = *optlen;
		memcpy(optval, s->cfg.cc, n);
		*optlen = (socklen_t)n;
		return 0;
	}
	if (level == SOL_SOCKET && optname == SO_LINGER) {
		struct linger l = {.l_onoff = s->linger_on, .l_linger = s->linger_sec};
		if (*optlen < (socklen_t)sizeof(l))
			return fail(EINVAL);
		memcpy(optval, &l, sizeof(l));
		*optlen = sizeof(l);
		return 0;
	}
	if (*optlen < (socklen_t)sizeof(int))
		return fail(EINVAL);
	if (level == SOL_SOCKET) {
		switch (optname) {
		case SO_REUSEADDR:
			v = s->reuseaddr;
			break;
		case SO_KEEPALIVE:
			v = s->cfg.keepalive;
			break;
		case SO_SNDBUF:
			v = (int)s->cfg.sndbuf;
			break;
		case SO_RCVBUF:
			v = (int)s->cfg.rcvbuf;
			break;
		case SO_ERROR:
			v = sock_error(s);
			break;
		case SO_TYPE:
			v = SOCK_STREAM;
			break;
		case SO_ACCEPTCONN:
			v = s->lsn != NULL;
			break;
		default:
			return fail(ENOPROTOOPT);
		}
	} else if (level == IPPROTO_TCP) {
		switch (optname) {
		case TCP_NODELAY:
			v = s->cfg.nodelay;
			break;
		case TCP_MAXSEG:
			v = s->cfg.mss;
			if (s->conn && !host_sock_handshaking(s)) {
				struct tcp_conn_info info;
				tcp_conn_info(s->conn, &info);
				v = (int)info.mss;
			}
			break;
		case TCP_KEEPIDLE:
			v = (int)(s->cfg.keep_idle / TCP_SEC);
			break;
		case TCP_KEEPINTVL:
			v = (int)(s->cfg.keep_intvl / TCP_SEC);
			break;
		case TCP_KEEPCNT:
			v = (int)s->cfg.keep_cnt;
			break;
		default:
			return fail(ENOPROTOOPT);
		}
	} else if (level == IPPROTO_IPV6 && optname == IPV6_V6ONLY && s->family == AF_INET6) {
		v = 0;
	} else {
		return fail(ENOPROTOOPT);
	}
	memcpy(optval, &v, sizeof(v));
	*optlen = sizeof(v);
	return 0;
}
