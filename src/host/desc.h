/* SPDX-License-Identifier: BSD-2-Clause */
/* The context's descriptor table (struct host_desc in ctx.h): what a descriptor number stands
 * for (a socket, an epoll instance, an offloaded file) and its free list. */
#ifndef IOTCP_HOST_DESC_H
#define IOTCP_HOST_DESC_H

#include <stdint.h>

struct iotcp_ctx;
struct host_sock;

/* A free descriptor now naming obj of kind (enum host_desc_kind), growing the table up to
 * HOST_MAX_DESC; or -EMFILE / -ENOMEM. */
int host_desc_alloc(struct iotcp_ctx *ctx, uint8_t kind, void *obj);
void host_desc_release(struct iotcp_ctx *ctx, int d);
/* The socket behind sd, or NULL when sd is not a socket. */
struct host_sock *host_sock_get(struct iotcp_ctx *ctx, int sd);

#endif
