/* SPDX-License-Identifier: BSD-2-Clause */
/* Frames in and out (netif.c): Ethernet / IPv4 / IPv6 input and its demultiplexing, IPv4 and
 * IPv6 output through the neighbour table, and TCP output (segments cut to the MTU, or TSO
 * frames). */
#ifndef IOTCP_HOST_NETIF_H
#define IOTCP_HOST_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/types.h"
#include "wire/ipv4.h"

struct iotcp_ctx;
struct host_frame;

void host_rx_frame(struct iotcp_ctx *ctx, const uint8_t *frame, size_t len);
/* Transmit every segment TCP has ready. */
void host_tcp_output(struct iotcp_ctx *ctx);
/* Send an IPv4 frame built in f (Ethernet header space included, destination MAC filled here
 * once the next hop of daddr is resolved). Takes f in every case. */
void host_ip_output(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len, uint32_t daddr);
/* The same for an IPv6 frame to daddr (Neighbor Discovery resolves the next hop). */
void host_ip6_output(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len,
		     const struct ipv6_addr *daddr);

/* Bytes of the IP header of a tuple's packets: 20 (IPv4, no options) or 40 (IPv6). */
static inline uint32_t host_ip_hdr_len(const struct tcp_tuple *t)
{
	return t->family == TCP_AF_INET6 ? IPV6_HDR_LEN : IPV4_HDR_MIN;
}

#endif
