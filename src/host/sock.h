/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket API of iotcp.h (sock.c; the state behind a socket descriptor: sock_types.h, what a
 * socket reports: sock_events.h, its wakeups: epoll.h). */
#ifndef IOTCP_HOST_SOCK_H
#define IOTCP_HOST_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "host/sock_types.h"

#define HOST_EPHEM_LO 49152 /* RFC 6335 section 6 dynamic ports */
#define HOST_EPHEM_HI 65535

struct iotcp_ctx;

/* Abort every connection and free every descriptor (iotcp_destroy). */
void host_desc_free_all(struct iotcp_ctx *ctx);

#endif
