/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket API of iotcp.h (sock.c; the options: sock_opt.c; the state behind a socket
 * descriptor: sock_types.h; what a socket reports: sock_events.h; its wakeups: epoll.h). */
#ifndef IOTCP_HOST_SOCK_H
#define IOTCP_HOST_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "host/sock_types.h"

#define HOST_EPHEM_LO 49152 /* RFC 6335 section 6 dynamic ports */
#define HOST_EPHEM_HI 65535

struct iotcp_ctx;

/* The socket behind sd, or NULL with errno EBADF / ENOTSOCK (EINVAL without a context). */
struct host_sock *host_sock_lookup(struct iotcp_ctx *ctx, int sd);
/* TCP's handshake of the socket's connection is under way. */
static inline bool host_sock_handshaking(const struct host_sock *s)
{
	enum tcp_state st = tcp_conn_state(s->conn);
	return st == TCP_SYN_SENT || st == TCP_SYN_RECEIVED;
}
/* Abort every connection and free every descriptor (iotcp_destroy). */
void host_desc_free_all(struct iotcp_ctx *ctx);

#endif
