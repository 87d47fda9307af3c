/* SPDX-License-Identifier: BSD-2-Clause */
/* The descriptor table: sockets, epoll instances and offloaded files share one numbering, the
 * lowest free number first, as POSIX descriptors (see desc.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/ctx.h"
#include "host/desc.h"

static int desc_grow(struct iotcp_ctx *ctx)
{
	uint32_t ncap = ctx->desc_cap ? ctx->desc_cap * 2 : 64;
	struct host_desc *nd;

	if (ctx->desc_cap >= HOST_MAX_DESC)
		return -EMFILE;
	if (ncap > HOST_MAX_DESC)
		ncap = HOST_MAX_DESC;
	nd = realloc(ctx->desc, ncap * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	memset(nd + ctx->desc_cap, 0, (ncap - ctx->desc_cap) * sizeof(*nd));
	/* Lowest new descriptor first. */
	for (uint32_t i = ncap; i-- > ctx->desc_cap;) {
		nd[i].kind = HD_FREE;
		nd[i].next_free = ctx->free_head;
		ctx->free_head = (int32_t)i;
	}
	ctx->desc = nd;
	ctx->desc_cap = ncap;
	return 0;
}

int host_desc_alloc(struct iotcp_ctx *ctx, uint8_t kind, void *obj)
{
	int rc;

	if (ctx->free_head < 0 && (rc = desc_grow(ctx)) < 0)
		return rc;
	int d = ctx->free_head;
	ctx->free_head = ctx->desc[d].next_free;
	ctx->desc[d].kind = kind;
	ctx->desc[d].fid = obj;
	return d;
}

void host_desc_release(struct iotcp_ctx *ctx, int d)
{
	ctx->desc[d].kind = HD_FREE;
	ctx->desc[d].fid = NULL;
	ctx->desc[d].next_free = ctx->free_head;
	ctx->free_head = d;
}

struct host_sock *host_sock_get(struct iotcp_ctx *ctx, int sd)
{
	if (sd < 0 || (uint32_t)sd >= ctx->desc_cap || ctx->desc[sd].kind != HD_SOCK)
		return NULL;
	return ctx->desc[sd].sock;
}
