/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP (arp.c, RFC 826) for the host's one address: answers, learning, requests (their retries
 * and the entries' expiry: resolve.h). */
#ifndef IOTCP_HOST_ARP_H
#define IOTCP_HOST_ARP_H

#include <stdint.h>

struct iotcp_ctx;
struct pkt_view;

void host_arp_input(struct iotcp_ctx *ctx, const struct pkt_view *v);
/* Send an ARP request for ip (broadcast); gratuitous when ip is our address. */
void host_arp_request(struct iotcp_ctx *ctx, uint32_t ip);

#endif
