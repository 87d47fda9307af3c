/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 routing of the host's one interface (see route.h). */
#include "host/ctx.h"
#include "host/route.h"

#define IPV4_BCAST 0xffffffffu

bool host_addr_is_local_net(const struct iotcp_ctx *ctx, uint32_t addr)
{
	return (addr & ctx->netmask) == (ctx->ip & ctx->netmask);
}

/* RFC 1122 section 3.2.1.3: addresses that may never be a packet's source. */
bool host_addr_bad_source(const struct iotcp_ctx *ctx, uint32_t a)
{
	if (a == 0 || a == IPV4_BCAST || a == ctx->ip)
		return true;
	if ((a >> 28) == 0xe || (a >> 24) == 127) /* multicast, loopback */
		return true;
	return ctx->netmask != IPV4_BCAST && host_addr_is_local_net(ctx, a) &&
	       (a & ~ctx->netmask) == ~ctx->netmask; /* directed broadcast */
}

uint32_t host_next_hop(const struct iotcp_ctx *ctx, uint32_t daddr)
{
	if (host_addr_bad_source(ctx, daddr))
		return 0;
	if (host_addr_is_local_net(ctx, daddr))
		return daddr;
	return ctx->gateway;
}
