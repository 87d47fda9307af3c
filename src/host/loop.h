/* SPDX-License-Identifier: BSD-2-Clause */
/* The event loop (loop.c): one pass over the link, the TCP core, the NIC channel and the
 * sockets. Its other entry points are host_poll (host.h) and iotcp_epoll_wait (iotcp.h). */
#ifndef IOTCP_HOST_LOOP_H
#define IOTCP_HOST_LOOP_H

#include <stdbool.h>

struct iotcp_ctx;

/* One pass: rx, input, timers, output, tx, event collection. Returns true if any work. */
bool host_poll_once(struct iotcp_ctx *ctx);

#endif
