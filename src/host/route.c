/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 and IPv6 routing of the host's one interface (see route.h). */
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

bool host_addr6_is_local_net(const struct iotcp_ctx *ctx, const struct ipv6_addr *a)
{
	unsigned bits = ctx->prefix6, i = 0;

	if (ipv6_addr_is_link_local(a))
		return true;
	for (; bits >= 8; bits -= 8, i++)
		if (a->b[i] != ctx->ip6.b[i])
			return false;
	if (bits) {
		uint8_t m = (uint8_t)(0xffu << (8 - bits));
		return (a->b[i] & m) == (ctx->ip6.b[i] & m);
	}
	return true;
}

bool host_addr6_bad_source(const struct iotcp_ctx *ctx, const struct ipv6_addr *a)
{
	return ipv6_addr_is_unspecified(a) || ipv6_addr_is_multicast(a) ||
	       ipv6_addr_is_loopback(a) || ipv6_addr_is_v4mapped(a) ||
	       ipv6_addr_equal(a, &ctx->ip6);
}

bool host_next_hop6(const struct iotcp_ctx *ctx, const struct ipv6_addr *daddr,
		    struct ipv6_addr *nh)
{
	if (!ctx->has_ip6 || host_addr6_bad_source(ctx, daddr) ||
	    !host_addr6_is_local_net(ctx, daddr))
		return false;
	*nh = *daddr;
	return true;
}
