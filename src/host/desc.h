/* SPDX-License-Identifier: BSD-2-Clause */
/* The context's descriptor table (struct iotcp_ctx.desc): what a descriptor number stands
 * for (a socket, an epoll instance, an offloaded file) and its free list. */
#ifndef IOTCP_HOST_DESC_H
#define IOTCP_HOST_DESC_H

#include <stdint.h>

#define HOST_DESC_BITS 20 /* descriptors per context: 1M (issue 13: 100k connections) */
#define HOST_MAX_DESC (1u << HOST_DESC_BITS)

struct iotcp_ctx;
struct host_sock;
struct host_epoll;

enum host_desc_kind { HD_FREE = 0, HD_SOCK, HD_EPOLL, HD_FID };

struct host_desc {
	uint8_t kind;
	int32_t next_free;
	union {
		struct host_sock *sock;
		struct host_epoll *ep;
		void *fid;
	};
};

/* A free descriptor now naming obj of kind (enum host_desc_kind), growing the table up to
 * HOST_MAX_DESC; or -EMFILE / -ENOMEM. */
int host_desc_alloc(struct iotcp_ctx *ctx, uint8_t kind, void *obj);
void host_desc_release(struct iotcp_ctx *ctx, int d);
/* The socket behind sd, or NULL when sd is not a socket. */
struct host_sock *host_sock_get(struct iotcp_ctx *ctx, int sd);

#endif
