/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 Neighbor Discovery (ndisc.c, RFC 4861) for the host's one IPv6 address: answer
 * Neighbor Solicitations for it, learn from solicitations and advertisements, solicit next
 * hops (the neighbour cache, retries and expiry are shared with ARP: neigh.h, resolve.c). */
#ifndef IOTCP_HOST_NDISC_H
#define IOTCP_HOST_NDISC_H

struct iotcp_ctx;
struct ipv6_addr;
struct pkt_view;

/* An ICMPv6 message of ND (NS or NA) addressed to us or to a group we listen to. */
void host_nd_input(struct iotcp_ctx *ctx, const struct pkt_view *v);
/* Send a Neighbor Solicitation for target to its solicited-node group (RFC 4861 7.2.2). */
void host_nd_solicit(struct iotcp_ctx *ctx, const struct ipv6_addr *target);

#endif
