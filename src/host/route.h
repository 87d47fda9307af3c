/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 routing of the host's one interface (route.c): the on-link test, addresses that can never
 * be a source (RFC 1122 section 3.2.1.3), and the next hop (the address itself or the gateway).
 * netif.c, arp.c, sock.c and offload_send.c ask it; it asks nobody. */
#ifndef IOTCP_HOST_ROUTE_H
#define IOTCP_HOST_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#define HOST_TTL 64 /* of every IPv4 packet the host sends */

struct iotcp_ctx;

bool host_addr_is_local_net(const struct iotcp_ctx *ctx, uint32_t addr);
/* RFC 1122 section 3.2.1.3: a may never be a packet's source (nor a destination we route). */
bool host_addr_bad_source(const struct iotcp_ctx *ctx, uint32_t a);
/* Next hop of daddr, or 0 when unroutable. */
uint32_t host_next_hop(const struct iotcp_ctx *ctx, uint32_t daddr);

#endif
