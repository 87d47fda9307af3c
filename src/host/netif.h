/* SPDX-License-Identifier: BSD-2-Clause */
/* Frames in and out (netif.c): Ethernet / IPv4 / IPv6 input and its demultiplexing, IPv4 and
 * IPv6 output through the neighbour table, and TCP output (segments cut to the MTU, or TSO
 * frames). */
#ifndef IOTCP_HOST_NETIF_H
#define IOTCP_HOST_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iotcp_ctx;
struct host_frame;
struct ipv6_addr;

void host_rx_frame(struct iotcp_ctx *ctx, const uint8_t *frame, size_t len);
/* Transmit every segment TCP has ready. */
void host_tcp_output(struct iotcp_ctx *ctx);
/* Send an IPv4 frame built in f (Ethernet header space included, destination MAC filled here
 * once the next hop of daddr is resolved). Takes f in every case. */
void host_ip_output(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len, uint32_t daddr);
/* The same for an IPv6 frame to daddr (Neighbor Discovery resolves the next hop). */
void host_ip6_output(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len,
		     const struct ipv6_addr *daddr);

#endif
