/* SPDX-License-Identifier: BSD-2-Clause */
/* Cutting a GSO frame into the segments it stands for, as the kernel would on the way out
 * (virtio 1.x section 5.1.6.2 GSO contract; the TSO rules of RFC 9293 3.7.1: every segment
 * carries the headers, its own sequence number, lengths and checksums; PSH and FIN on the last,
 * CWR on the first). TCP over IPv4 (VIRTIO_NET_HDR_GSO_TCPV4) and over IPv6 without extension
 * headers (VIRTIO_NET_HDR_GSO_TCPV6), with or without the ECN bit: what the lab's hosts
 * produce. */
#ifndef IOTCP_NETEM_RELAY_GSO_H
#define IOTCP_NETEM_RELAY_GSO_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#define GSO_SEG_MAX 1024 /* segments of one frame at most (64 KiB of 64-byte segments) */

/* A parsed GSO TCP/IPv4 or TCP/IPv6 frame. */
struct gso_frame {
	int v6;		   /* IPv6 (1) or IPv4 (0) */
	size_t l3, l4;	   /* offsets of the IP and TCP headers */
	size_t hlen;	   /* all headers: the payload starts here */
	size_t plen;	   /* payload bytes */
	uint16_t mss;	   /* payload bytes per segment (gso_size) */
	unsigned nseg;	   /* segments it stands for */
};

/* Parses frame (len bytes) that vh marks GSO. Returns 0, or -1 when it is not a TCP/IPv4 or
 * TCP/IPv6 GSO frame that can be cut (other GSO types, IP options beyond the frame, a gso_size of 0,
 * lengths that do not add up, more than GSO_SEG_MAX segments). */
int gso_parse(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len,
	      struct gso_frame *g);

/* Writes segment k (0 <= k < g->nseg) of frame into out (cap bytes): headers copied, IPv4
 * total length, id (+k) and header checksum (IPv6: payload length), TCP sequence number (+k mss), flags and a
 * complete TCP checksum. Returns its length, or 0 when cap is too small. */
size_t gso_segment(const struct gso_frame *g, const uint8_t *frame, unsigned k, uint8_t *out,
		   size_t cap);

#endif
