/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 and IPv6 routing of the host's one interface (route.c): the on-link test, addresses that
 * can never be a source (RFC 1122 section 3.2.1.3; RFC 4291 for IPv6), and the next hop (the
 * address itself or the gateway; IPv6: on-link destinations only).
 * netif.c, arp.c, sock.c and offload_send.c ask it; it asks nobody. */
#ifndef IOTCP_HOST_ROUTE_H
#define IOTCP_HOST_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#define HOST_TTL 64 /* of every IPv4 packet the host sends (and the IPv6 hop limit) */

struct iotcp_ctx;
struct ipv6_addr;

bool host_addr_is_local_net(const struct iotcp_ctx *ctx, uint32_t addr);
/* RFC 1122 section 3.2.1.3: a may never be a packet's source (nor a destination we route). */
bool host_addr_bad_source(const struct iotcp_ctx *ctx, uint32_t a);
/* Next hop of daddr, or 0 when unroutable. */
uint32_t host_next_hop(const struct iotcp_ctx *ctx, uint32_t daddr);

/* IPv6: a is in our on-link prefix, or link-local (RFC 4861 section 5.2). */
bool host_addr6_is_local_net(const struct iotcp_ctx *ctx, const struct ipv6_addr *a);
/* a may never be a packet's source: unspecified, multicast, loopback, IPv4-mapped, ours. */
bool host_addr6_bad_source(const struct iotcp_ctx *ctx, const struct ipv6_addr *a);
/* Next hop of daddr into *nh: true when routable (IPv6 configured, on-link, not a bad
 * address). */
bool host_next_hop6(const struct iotcp_ctx *ctx, const struct ipv6_addr *daddr,
		    struct ipv6_addr *nh);

#endif
