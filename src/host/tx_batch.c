/* SPDX-License-Identifier: BSD-2-Clause */
/* The tx batch: frames queued for the link and handed over HOST_TX_BATCH at a time, and the
 * frames that waited for a neighbour's resolution (see tx_batch.h). */
#include <stdlib.h>
#include <string.h>

#include "host/ctx.h"
#include "host/link.h"
#include "host/neigh.h"
#include "host/tx_batch.h"

bool host_tx_get(struct iotcp_ctx *ctx, struct host_frame *f)
{
	if (host_link_tx_alloc(ctx->link, f) != 0) {
		ctx->cnt.tx_nobuf++;
		return false;
	}
	return true;
}

void host_tx_put(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len)
{
	if (len < ETH_MIN_FRAME && f->cap >= ETH_MIN_FRAME && !f->ext_len) {
		memset(f->data + len, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	f->len = len;
	ctx->tx[ctx->ntx++] = *f;
	if (ctx->ntx == HOST_TX_BATCH)
		host_tx_flush(ctx);
}

void host_tx_flush(struct iotcp_ctx *ctx)
{
	uint64_t bytes = 0;
	unsigned n = ctx->ntx, sent;

	if (!n)
		return;
	for (unsigned i = 0; i < n; i++)
		bytes += ctx->tx[i].len + ctx->tx[i].ext_len;
	ctx->ntx = 0;
	sent = host_link_tx_burst(ctx->link, ctx->tx, n);
	ctx->cnt.tx_frames += sent;
	ctx->cnt.tx_refused += n - sent;
	if (sent == n)
		ctx->cnt.tx_bytes += bytes;
}

void host_neigh_flush(struct iotcp_ctx *ctx, struct neigh_entry *e)
{
	struct neigh_pkt *p = neigh_take_queue(&ctx->neigh, e);
	struct host_frame f;

	while (p) {
		struct neigh_pkt *next = p->next;
		if (p->len <= ctx->link->max_frame && host_tx_get(ctx, &f)) {
			memcpy(f.data, p->data, p->len);
			memcpy(f.data, e->mac.b, ETH_ADDR_LEN);
			host_tx_put(ctx, &f, p->len);
		}
		free(p);
		p = next;
	}
}
