/* SPDX-License-Identifier: BSD-2-Clause */
/* Offload commands on the host link: one command frame is filled per loop pass (several
 * SENDs, ACKDs, OPENs and CLOSEs share it; a full frame is sent and a new one started) and
 * sent at host_offload_flush. Commands from the NIC are dispatched in nic.c. A frame that got
 * a TLS_KEY is marked `wipe`: the link zeroes its buffer once it is sent or dropped (link.h). */
#include <string.h>

#include "host/ctx.h"
#include "host/link.h"
#include "host/offload_cmd.h"
#include "host/offload_types.h"
#include "host/tx_batch.h"

static void frame_send(struct iotcp_ctx *ctx)
{
	struct host_offload *o = &ctx->off;
	int n;

	if (!o->frame_open)
		return;
	o->frame_open = false;
	n = proto_writer_finish(&o->w);
	if (n < 0) {
		host_link_tx_free(ctx->link, &o->frame);
		return;
	}
	host_tx_put(ctx, &o->frame, PROTO_ETH_HLEN + (uint32_t)n);
}

static bool frame_start(struct iotcp_ctx *ctx)
{
	struct host_offload *o = &ctx->off;
	uint32_t cap;

	if (!host_tx_get(ctx, &o->frame))
		return false;
	cap = o->frame.cap < HOST_OFF_FRAME_MAX ? o->frame.cap : HOST_OFF_FRAME_MAX;
	if (cap <= PROTO_ETH_HLEN ||
	    proto_writer_init(&o->w, o->frame.data + PROTO_ETH_HLEN, cap - PROTO_ETH_HLEN) < 0) {
		host_link_tx_free(ctx->link, &o->frame);
		return false;
	}
	proto_eth_hdr_put(o->frame.data, ctx->nic.mac.b, ctx->link->mac.b);
	o->frame_open = true;
	return true;
}

/* 4 bytes of command header (type, len) precede each payload. */
bool host_off_cmd_room(struct iotcp_ctx *ctx, size_t payload_len)
{
	const struct proto_writer *w = &ctx->off.w;

	return ctx->off.frame_open && !w->err && w->len + 4 + payload_len <= w->cap;
}

struct proto_writer *host_off_cmd_writer(struct iotcp_ctx *ctx, size_t payload_len)
{
	if (host_off_cmd_room(ctx, payload_len))
		return &ctx->off.w;
	frame_send(ctx);
	if (!frame_start(ctx))
		return NULL;
	if (!host_off_cmd_room(ctx, payload_len)) {
		host_link_tx_free(ctx->link, &ctx->off.frame);
		ctx->off.frame_open = false;
		return NULL;
	}
	return &ctx->off.w;
}

void host_off_cmd_secret(struct iotcp_ctx *ctx)
{
	if (ctx->off.frame_open)
		ctx->off.frame.wipe = true;
}

void host_offload_flush(struct iotcp_ctx *ctx)
{
	frame_send(ctx);
}
