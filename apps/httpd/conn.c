/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd connection lifecycle: request buffers, timeouts (a timer wheel swept every
 * SWEEP_MS), closing, and the per-connection state machine that drive() runs.
 *
 *   READ ──request parsed──> OPEN_WAIT ──file opened──> SEND ──body queued──> READ (keep-alive)
 *                                                                        └──> close
 * Responses are produced strictly in request order, so pipelined requests are handled by parsing
 * the next one only once the previous response is fully queued. In offload mode the host never
 * opens a file: iotcp_offload_open/fstat/write ask the NIC. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access_log.h"
#include "conn.h"
#include "file_response.h"
#include "linger.h"
#include "request.h"
#include "response.h"

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int conn_events(const struct hconn *c)
{
	switch (c->st) {
	case ST_SEND:
		return EPOLLOUT | EPOLLRDHUP;
	case ST_OPEN_WAIT:
		return EPOLLRDHUP | IOTCP_EPOLLOFFLOAD;
	default:
		return EPOLLIN | EPOLLRDHUP;
	}
}

void conn_watch(struct httpd *h, struct hconn *c)
{
	struct epoll_event ev = {.events = (uint32_t)conn_events(c), .data.fd = c->sd};
	iotcp_epoll_ctl(h->ctx, h->epd, EPOLL_CTL_MOD, c->sd, &ev);
}

#define FREE_BUFS_MAX 64 /* request buffers cached for reuse (malloc of 23 KiB is not free) */

/* Request buffers for c (not zeroed: 23 KiB; the small fields are). */
bool bufs_get(struct httpd *h, struct hconn *c)
{
	struct hconn_bufs *b = h->free_bufs;

	if (b) {
		h->free_bufs = b->next_free;
		h->nfree_bufs--;
	} else if (!(b = malloc(sizeof(*b)))) {
		return false;
	}
	memset(&b->req, 0, sizeof(b->req));
	b->path[0] = b->reqline[0] = '\0';
	b->headlen = b->headoff = 0;
	b->status = 0;
	b->tried_index = false;
	b->body_off = b->body_end = b->body_total = 0;
	c->b = b;
	return true;
}

void bufs_put(struct httpd *h, struct hconn *c)
{
	struct hconn_bufs *b = c->b;

	if (!b)
		return;
	c->b = NULL;
	if (h->nfree_bufs >= FREE_BUFS_MAX) {
		free(b);
		return;
	}
	b->next_free = h->free_bufs;
	h->free_bufs = b;
	h->nfree_bufs++;
}

/* An idle connection gives its request buffers back (see struct hconn_bufs). */
static void bufs_trim(struct httpd *h, struct hconn *c)
{
	if (c->st == ST_READ && c->inlen == 0)
		bufs_put(h, c);
}

/* When c's next timeout (request, idle or send) is due. */
static uint64_t conn_due(const struct httpd *h, const struct hconn *c)
{
	if (c->st == ST_LINGER)
		return c->deadline_ms;
	if (c->st != ST_READ)
		return c->last_progress_ms + h->cfg.send_timeout_ms;
	if (c->deadline_ms)
		return c->deadline_ms;
	if (c->inlen == 0)
		return c->last_progress_ms + h->cfg.idle_timeout_ms;
	return c->last_progress_ms + h->cfg.request_timeout_ms;
}

/* Keep c's timer no later than its next timeout. Progress only moves timeouts later, so the
 * wheel entry may be early: the sweep then re-arms it (lazy; no wheel work per request). */
void conn_timer(struct httpd *h, struct hconn *c)
{
	uint64_t due = conn_due(h, c);

	if (!wheel_armed(&c->timer) || due < c->timer.due)
		wheel_arm(&h->timers, &c->timer, due);
}

void conn_close(struct httpd *h, struct hconn *c, bool abort_conn)
{
	body_release(h, c);
	iotcp_epoll_ctl(h->ctx, h->epd, EPOLL_CTL_DEL, c->sd, NULL);
	if (abort_conn) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		iotcp_setsockopt(h->ctx, c->sd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	iotcp_close(h->ctx, c->sd);
	if ((size_t)c->sd < h->nconns_cap)
		h->conns[c->sd] = NULL;
	h->st.active--;
	wheel_cancel(&h->timers, &c->timer);
	bufs_put(h, c);
	free(c);
}

/* The response is fully queued: log, then move on to the next request or close. */
bool response_done(struct httpd *h, struct hconn *c)
{
	access_log(h, c);
	h->st.body_bytes += c->b->body_total;
	body_release(h, c);
	if (c->close_after && c->b->status >= 400) {
		linger_start(h, c);
		return false;
	}
	if (c->close_after) {
		conn_close(h, c, false);
		return false;
	}
	memmove(c->b->in, c->b->in + c->req_len, c->inlen - c->req_len);
	c->inlen -= c->req_len;
	c->req_len = 0;
	/* Drop a request body that followed. */
	uint64_t drop = c->discard_left < c->inlen ? c->discard_left : c->inlen;
	memmove(c->b->in, c->b->in + drop, c->inlen - drop);
	c->inlen -= drop;
	c->discard_left -= drop;
	c->st = c->discard_left ? ST_DRAIN : ST_READ;
	c->deadline_ms = 0;
	c->last_progress_ms = now_ms();
	return true;
}

/* Run c as far as it goes without waiting. */
void drive(struct httpd *h, struct hconn *c)
{
	if (c->st == ST_LINGER) {
		if (linger_read(h, c))
			conn_watch(h, c);
		return;
	}
	for (int rounds = 0; rounds < 64; rounds++) {
		enum hconn_state before = c->st;
		if (c->st == ST_READ || c->st == ST_DRAIN) {
			if (!read_some(h, c))
				return;
			if (c->st == ST_READ)
				parse_next(h, c);
		}
		if (c->st == ST_SEND) {
			if (!send_some(h, c))
				return;
			if (c->st == ST_READ && c->inlen) {
				parse_next(h, c); /* pipelined request already buffered */
				continue;
			}
		}
		if (c->st == before)
			break;
	}
	bufs_trim(h, c);
	conn_timer(h, c);
	conn_watch(h, c);
}

/* A connection's timer expired (or came back early from beyond the wheel's span). */
static void conn_timeout(struct wheel_timer *t, void *arg)
{
	struct httpd *h = arg;
	struct hconn *c = (struct hconn *)((char *)t - offsetof(struct hconn, timer));
	uint64_t now = now_ms();

	if (c->st == ST_LINGER && now >= c->deadline_ms) {
		conn_close(h, c, false); /* lingered long enough */
	} else if (c->st == ST_LINGER) {
		wheel_arm(&h->timers, &c->timer, c->deadline_ms);
	} else if (c->st == ST_READ && c->b && c->deadline_ms && now >= c->deadline_ms) {
		h->st.timeouts++;
		c->keep_alive = false;
		c->head_only = false;
		snprintf(c->b->reqline, sizeof(c->b->reqline), "-");
		h->st.requests++;
		respond_simple(h, c, 408, NULL);
		c->req_len = c->inlen;
		drive(h, c);
	} else if (c->st == ST_READ && c->inlen == 0 &&
		   now - c->last_progress_ms >= h->cfg.idle_timeout_ms) {
		h->st.timeouts++;
		conn_close(h, c, false);
	} else if (c->st != ST_READ && now - c->last_progress_ms >= h->cfg.send_timeout_ms) {
		h->st.timeouts++;
		conn_close(h, c, true);
	} else {
		wheel_arm(&h->timers, &c->timer, conn_due(h, c)); /* progress since it was armed */
	}
}

/* Request, idle and send timeouts: only the connections whose timer is due are visited
 * (a timer wheel; with 100k idle connections a walk over all of them five times a second
 * was the host's largest idle cost). */
void sweep(struct httpd *h)
{
	uint64_t now = now_ms();
	if (now < h->next_sweep_ms)
		return;
	h->next_sweep_ms = now + SWEEP_MS;
	if (now >= h->next_tick_ms) {
		h->next_tick_ms = now + 1000;
		if (h->cfg.access_log)
			fflush(h->cfg.access_log); /* the log may be fully buffered */
		if (h->cfg.on_tick)
			h->cfg.on_tick(h, h->cfg.tick_arg);
	}
	wheel_sweep(&h->timers, now, conn_timeout, h);
}
