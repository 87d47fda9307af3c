/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP (arp.c, RFC 826) for the host's one address: answers, next-hop resolution, expiry. */
#ifndef IOTCP_HOST_ARP_H
#define IOTCP_HOST_ARP_H

#include <stdint.h>

struct iotcp_ctx;
struct neigh_entry;
struct pkt_view;

void host_arp_input(struct iotcp_ctx *ctx, const struct pkt_view *v);
/* Send an ARP request for ip (broadcast); gratuitous when ip is our address. */
void host_arp_request(struct iotcp_ctx *ctx, uint32_t ip);
/* Retries, expiry (of IPv4 and IPv6 entries: solicitations through ndisc.c). */
void host_arp_timers(struct iotcp_ctx *ctx);
/* Send the frames that waited for e's resolution (ARP or ND). */
void host_neigh_flush(struct iotcp_ctx *ctx, struct neigh_entry *e);

#endif
