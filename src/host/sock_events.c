/* SPDX-License-Identifier: BSD-2-Clause */
/* What a socket reports (see sock_events.h): its epoll event bits, the bytes the application can
 * read and the room it can write, TLS sockets included (plaintext, sealing room). */
#include "host/sock_events.h"
#include "host/sock_types.h"
#include "host/tls_types.h"

/* ---- TLS sockets: what the session has decrypted, whether it takes plaintext ---- */

static uint32_t tls_readable(const struct host_sock *s)
{
	return s->tls->in_len - s->tls->in_off;
}

static bool tls_can_write(const struct host_tls_sess *t)
{
	return (t->state == IOTCP_TLS_OPEN || t->state == IOTCP_TLS_CLOSED) && !t->shut_sent &&
	       t->out_off == t->out_len;
}

static uint32_t tls_send_space(const struct host_sock *s)
{
	return s->conn && tls_can_write(s->tls) ? tcp_conn_send_space(s->conn) : 0;
}

static uint32_t tls_events(struct host_sock *s, uint32_t ev)
{
	const struct host_tls_sess *t = s->tls;
	uint32_t out = ev & ~(uint32_t)(EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM);

	if (t->in_off < t->in_len || t->state == IOTCP_TLS_CLOSED || t->state == IOTCP_TLS_FAILED ||
	    s->shut_rd)
		out |= EPOLLIN | EPOLLRDNORM;
	if ((ev & EPOLLOUT) && tls_can_write(t))
		out |= EPOLLOUT | EPOLLWRNORM;
	return out;
}

/* What the application can read and write: TLS sockets count plaintext and sealing room. */
uint32_t host_sock_readable(const struct host_sock *s)
{
	return s->tls ? tls_readable(s) : tcp_conn_readable(s->conn);
}

uint32_t host_sock_space(const struct host_sock *s)
{
	return s->tls ? tls_send_space(s) : tcp_conn_send_space(s->conn);
}

void host_sock_snapshot(struct host_sock *s)
{
	if (s->conn) {
		s->snap_readable = host_sock_readable(s);
		s->snap_space = host_sock_space(s);
	}
}

static bool peer_closed(enum tcp_state st)
{
	return st == TCP_CLOSE_WAIT || st == TCP_CLOSING || st == TCP_LAST_ACK ||
	       st == TCP_TIME_WAIT;
}

uint32_t host_sock_events(struct iotcp_ctx *ctx, struct host_sock *s)
{
	uint32_t ev = 0;

	if (s->off_events)
		ev |= IOTCP_EPOLLOFFLOAD;
	if (s->lsn)
		return ev | (s->acceptable ? EPOLLIN | EPOLLRDNORM : 0);
	if (!s->conn) /* as Linux */
		return ev | (s->err ? EPOLLERR | EPOLLHUP : EPOLLOUT | EPOLLHUP);
	uint32_t te = tcp_conn_events(s->conn);
	enum tcp_state st = tcp_conn_state(s->conn);
	bool peer_fin = peer_closed(st) || (te & TCP_EV_HUP);

	if ((te & TCP_EV_READABLE) || s->shut_rd)
		ev |= EPOLLIN | EPOLLRDNORM;
	if ((te & TCP_EV_WRITABLE) && !s->shut_wr &&
	    (st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT))
		ev |= EPOLLOUT | EPOLLWRNORM;
	if (peer_fin)
		ev |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (te & TCP_EV_ERROR)
		ev |= EPOLLERR;
	if ((te & (TCP_EV_CLOSED | TCP_EV_ERROR)) || (peer_fin && s->shut_wr) || st == TCP_CLOSED)
		ev |= EPOLLHUP;
	return s->tls ? tls_events(s, ev) : ev;
}
