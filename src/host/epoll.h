/* SPDX-License-Identifier: BSD-2-Clause */
/* epoll over the context's sockets (epoll.c): instances, their interest and ready lists, and the
 * sockets' wakeups (host_sock_notify). The application's wait runs the event loop: loop.c. */
#ifndef IOTCP_HOST_EPOLL_H
#define IOTCP_HOST_EPOLL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct iotcp_ctx;
struct host_sock;
struct host_epoll;

/* One (epoll instance, socket) registration. */
struct host_epitem {
	struct host_epoll *ep;
	int sd;
	uint32_t events; /* interest, with EPOLLET / EPOLLONESHOT */
	epoll_data_t data;
	bool disabled; /* EPOLLONESHOT fired: silent until EPOLL_CTL_MOD */
	bool ready;    /* on ep's ready list */
	struct host_epitem *sock_next;
	struct host_epitem *ep_prev, *ep_next;
	struct host_epitem *rd_prev, *rd_next;
};

struct host_epoll {
	int epd;
	struct host_epitem items; /* sentinel of the interest list */
	struct host_epitem ready; /* sentinel of the ready list */
};

/* The epoll instance behind epd, or NULL with errno EINVAL / EBADF. */
struct host_epoll *host_epoll_lookup(struct iotcp_ctx *ctx, int epd);
/* Report up to max events of ep's ready list into out (iotcp_epoll_wait, loop.c). */
int host_epoll_collect(struct iotcp_ctx *ctx, struct host_epoll *ep, struct epoll_event *out,
		       int max);
void host_epoll_item_ready(struct host_epitem *it);
/* TCP reported (tcp_stack_next_event) that sock's events may have changed, or the host
 * changed them: queue level-triggered registrations whose events hold, and edge-triggered ones
 * that see a new edge (a bit that rose, more bytes to read, more send space). new_conn: a
 * listener got a connection (always an edge). */
void host_sock_notify(struct iotcp_ctx *ctx, struct host_sock *s, bool new_conn);
/* Remove every registration of a socket being closed. */
void host_epoll_forget_sock(struct iotcp_ctx *ctx, struct host_sock *s);
void host_epoll_free(struct iotcp_ctx *ctx, struct host_epoll *ep);

#endif
