/* SPDX-License-Identifier: BSD-2-Clause */
/* The context's own small functions: its random numbers, and what tests ask of it (host.h). */
#include "host/ctx.h"
#include "host/host.h"

uint32_t host_random32(struct iotcp_ctx *ctx)
{
	return rng_u32(&ctx->rng);
}

struct host_link *host_link_of(struct iotcp_ctx *ctx)
{
	return ctx->link;
}

bool host_nic_up(const struct iotcp_ctx *ctx)
{
	return ctx->nic.up;
}
