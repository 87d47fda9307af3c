/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd lingering close after an error response that closes the connection. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>

#include "conn.h"
#include "linger.h"

/* Lingering close after an error response that closes the connection (like Apache's
 * lingering_close): the write side is shut (TLS: close_notify, then FIN), what the client still
 * sends is read and dropped for at most LINGER_MS or LINGER_BYTES, then the socket is closed.
 * Closing at once with unread request bytes would reset the connection (RFC 9293 3.10.4), and
 * the client's stack may throw the response away with it. */
#define LINGER_MS    2000
#define LINGER_BYTES (64u * 1024u)

/* Lingering close (LINGER_MS): shut the write side after the queued response and drop what
 * still arrives. */
void linger_start(struct httpd *h, struct hconn *c)
{
	if (iotcp_shutdown(h->ctx, c->sd, SHUT_WR) < 0) {
		conn_close(h, c, false);
		return;
	}
	h->st.lingering++;
	bufs_put(h, c); /* nothing more is parsed */
	c->inlen = c->req_len = 0;
	c->st = ST_LINGER;
	c->discard_left = LINGER_BYTES;
	c->deadline_ms = now_ms() + LINGER_MS;
	wheel_cancel(&h->timers, &c->timer); /* due earlier than a send timeout */
	conn_timer(h, c);
	conn_watch(h, c);
}

/* ST_LINGER: read and drop. Returns false when c was freed (EOF, error, budget spent). */
bool linger_read(struct httpd *h, struct hconn *c)
{
	char sink[4096];

	for (;;) {
		ssize_t r = iotcp_read(h->ctx, c->sd, sink, sizeof(sink));
		if (r < 0 && errno == EAGAIN)
			return true;
		if (r <= 0 || (uint64_t)r >= c->discard_left) {
			/* EOF (the client saw our FIN / close_notify), an error, or the budget spent:
			 * a client still sending now gets the reset it asked for */
			conn_close(h, c, false);
			return false;
		}
		c->discard_left -= (uint64_t)r;
	}
}
