/* SPDX-License-Identifier: BSD-2-Clause */
/* epoll over the context's sockets. Each epoll instance keeps an interest list and a ready list;
 * a registration joins the ready list when TCP reports its socket (tcp_stack_next_event) or the
 * application changes it, so a wait (loop.c) costs O(ready), not O(sockets). Level-triggered items stay
 * on the list while their events hold; edge-triggered ones leave it once reported. */
#include <errno.h>
#include <stdlib.h>

#include "host/ctx.h"
#include "host/desc.h"
#include "host/epoll.h"
#include "host/sock_events.h"
#include "host/sock_types.h"

/* Reported whether asked for or not: EPOLLERR and EPOLLHUP as on Linux, and a completed
 * offload_open (iotcp.h). */
#define EPOLL_ALWAYS (EPOLLERR | EPOLLHUP | IOTCP_EPOLLOFFLOAD)

static int fail(int e)
{
	errno = e;
	return -1;
}

static void ready_del(struct host_epitem *it)
{
	if (!it->ready)
		return;
	it->rd_prev->rd_next = it->rd_next;
	it->rd_next->rd_prev = it->rd_prev;
	it->rd_next = it->rd_prev = NULL;
	it->ready = false;
}

void host_epoll_item_ready(struct host_epitem *it)
{
	struct host_epitem *head = &it->ep->ready;

	if (it->ready || it->disabled)
		return;
	it->rd_prev = head->rd_prev;
	it->rd_next = head;
	head->rd_prev->rd_next = it;
	head->rd_prev = it;
	it->ready = true;
}

static void item_free(struct host_epitem *it)
{
	ready_del(it);
	it->ep_prev->ep_next = it->ep_next;
	it->ep_next->ep_prev = it->ep_prev;
	free(it);
}

void host_epoll_forget_sock(struct iotcp_ctx *ctx, struct host_sock *s)
{
	struct host_epitem *it = s->watchers;

	while (it) {
		struct host_epitem *next = it->sock_next;
		item_free(it);
		it = next;
	}
	s->watchers = NULL;
}

static void unlink_from_sock(struct iotcp_ctx *ctx, struct host_epitem *it)
{
	struct host_sock *s = host_sock_get(ctx, it->sd);

	if (!s)
		return;
	for (struct host_epitem **pp = &s->watchers; *pp; pp = &(*pp)->sock_next) {
		if (*pp == it) {
			*pp = it->sock_next;
			return;
		}
	}
}

void host_epoll_free(struct iotcp_ctx *ctx, struct host_epoll *ep)
{
	while (ep->items.ep_next != &ep->items) {
		struct host_epitem *it = ep->items.ep_next;
		unlink_from_sock(ctx, it);
		item_free(it);
	}
	free(ep);
}

struct host_epoll *host_epoll_lookup(struct iotcp_ctx *ctx, int epd)
{
	if (!ctx) {
		errno = EINVAL;
		return NULL;
	}
	if (epd < 0 || (uint32_t)epd >= ctx->desc_cap || ctx->desc[epd].kind == HD_FREE) {
		errno = EBADF;
		return NULL;
	}
	if (ctx->desc[epd].kind != HD_EPOLL) {
		errno = EINVAL;
		return NULL;
	}
	return ctx->desc[epd].ep;
}

int iotcp_epoll_create(struct iotcp_ctx *ctx)
{
	struct host_epoll *ep;
	int d;

	if (!ctx)
		return fail(EINVAL);
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return fail(ENOMEM);
	ep->items.ep_next = ep->items.ep_prev = &ep->items;
	ep->ready.rd_next = ep->ready.rd_prev = &ep->ready;
	d = host_desc_alloc(ctx, HD_EPOLL, ep);
	if (d < 0) {
		free(ep);
		return fail(-d);
	}
	ep->epd = d;
	return d;
}

static struct host_epitem *find_item(struct host_sock *s, struct host_epoll *ep)
{
	for (struct host_epitem *it = s->watchers; it; it = it->sock_next)
		if (it->ep == ep)
			return it;
	return NULL;
}

int iotcp_epoll_ctl(struct iotcp_ctx *ctx, int epd, int op, int sd, struct epoll_event *ev)
{
	struct host_epoll *ep = host_epoll_lookup(ctx, epd);
	struct host_epitem *it;
	struct host_sock *s;

	if (!ep)
		return -1;
	if (sd == epd)
		return fail(EINVAL);
	if (sd < 0 || (uint32_t)sd >= ctx->desc_cap || ctx->desc[sd].kind == HD_FREE)
		return fail(EBADF);
	if (ctx->desc[sd].kind != HD_SOCK)
		return fail(EPERM); /* epoll instances and offload fids cannot be watched */
	s = ctx->desc[sd].sock;
	it = find_item(s, ep);
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && !ev)
		return fail(EFAULT);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return fail(EEXIST);
		it = calloc(1, sizeof(*it));
		if (!it)
			return fail(ENOMEM);
		it->ep = ep;
		it->sd = sd;
		it->events = ev->events | EPOLL_ALWAYS;
		it->data = ev->data;
		it->sock_next = s->watchers;
		s->watchers = it;
		it->ep_prev = ep->items.ep_prev;
		it->ep_next = &ep->items;
		ep->items.ep_prev->ep_next = it;
		ep->items.ep_prev = it;
		host_epoll_item_ready(it); /* evaluated at the next wait */
		return 0;
	case EPOLL_CTL_MOD:
		if (!it)
			return fail(ENOENT);
		it->events = ev->events | EPOLL_ALWAYS;
		it->data = ev->data;
		it->disabled = false;
		host_epoll_item_ready(it);
		return 0;
	case EPOLL_CTL_DEL:
		if (!it)
			return fail(ENOENT);
		unlink_from_sock(ctx, it);
		item_free(it);
		return 0;
	default:
		return fail(EINVAL);
	}
}

/* Move the sentinel so that the list starts at it (LT fairness when maxevents cut a pass). */
static void rotate_to(struct host_epoll *ep, struct host_epitem *it)
{
	struct host_epitem *h = &ep->ready;

	if (it == h || h->rd_next == it)
		return;
	h->rd_prev->rd_next = h->rd_next;
	h->rd_next->rd_prev = h->rd_prev;
	h->rd_prev = it->rd_prev;
	h->rd_next = it;
	it->rd_prev->rd_next = h;
	it->rd_prev = h;
}

int host_epoll_collect(struct iotcp_ctx *ctx, struct host_epoll *ep, struct epoll_event *out,
		       int max)
{
	struct host_epitem *it = ep->ready.rd_next;
	int n = 0;

	while (it != &ep->ready && n < max) {
		struct host_epitem *next = it->rd_next;
		struct host_sock *s = host_sock_get(ctx, it->sd);
		uint32_t ev = s ? host_sock_events(ctx, s) & it->events : 0;
		if (!ev) {
			ready_del(it);
		} else {
			out[n].events = ev;
			out[n].data = it->data;
			n++;
			if (ev & IOTCP_EPOLLOFFLOAD)
				s->off_events--; /* reported once per completed open */
			if (it->events & EPOLLONESHOT) {
				it->disabled = true;
				ready_del(it);
			} else if (it->events & EPOLLET) {
				ready_del(it);
			}
		}
		it = next;
	}
	rotate_to(ep, it);
	return n;
}

void host_sock_notify(struct iotcp_ctx *ctx, struct host_sock *s, bool new_conn)
{
	uint32_t ev, edges;

	if (!s->watchers)
		return;
	ev = host_sock_events(ctx, s);
	edges = ev & ~s->snap_ev;
	if (new_conn)
		edges |= ev & (EPOLLIN | EPOLLRDNORM);
	if (s->conn) {
		if ((ev & EPOLLIN) && host_sock_readable(s) > s->snap_readable)
			edges |= EPOLLIN | EPOLLRDNORM;
		if ((ev & EPOLLOUT) && host_sock_space(s) > s->snap_space)
			edges |= EPOLLOUT | EPOLLWRNORM;
		host_sock_snapshot(s);
	}
	s->snap_ev = ev;
	for (struct host_epitem *it = s->watchers; it; it = it->sock_next) {
		uint32_t want = it->events & ~(uint32_t)(EPOLLET | EPOLLONESHOT);
		if ((it->events & EPOLLET) ? (edges & want) : (ev & want))
			host_epoll_item_ready(it);
	}
}
