/* SPDX-License-Identifier: BSD-2-Clause */
/* The one place the host builds a TCP frame (Ethernet + IPv4 + TCP headers, checksums) from a
 * segment of the TCP core: netif.c for the frames it sends itself, offload_send.c for the
 * header template of a SEND (the NIC fills lengths, sequence numbers and checksums per
 * segment, docs/protocol.md). */
#ifndef IOTCP_HOST_TCP_FRAME_H
#define IOTCP_HOST_TCP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "tcp/types.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

struct mac_addr;
struct tcp_hdr;
struct tcp_seg;

/* How to frame one segment. */
struct host_tcp_frame {
	const struct mac_addr *src_mac, *dst_mac;
	uint16_t ip_id;
	bool tso; /* a TSO frame the NIC cuts: the TCP checksum field holds the pseudo-header sum */
	bool by_ref; /* tso only: headers only in buf, the payload (iov) follows by reference */
	const struct iovec *iov; /* payload pieces (none for a SEND template) */
	int iovcnt;
};

/* Build into buf the frame of seg with header h (seg->hdr, or a piece cut from it; its hlen,
 * options and checksum are stored back): addresses and ports of seg->tuple, TTL HOST_TTL,
 * Don't Fragment. Returns the length, or 0 when it does not fit in cap. */
size_t host_tcp_frame_build(uint8_t *buf, size_t cap, const struct tcp_seg *seg, struct tcp_hdr *h,
			    const struct host_tcp_frame *fr);

/* Bytes of the IP header of a tuple's packets: 20 (IPv4, no options) or 40 (IPv6). */
static inline uint32_t host_ip_hdr_len(const struct tcp_tuple *t)
{
	return t->family == TCP_AF_INET6 ? IPV6_HDR_LEN : IPV4_HDR_MIN;
}

#endif
