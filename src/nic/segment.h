/* SPDX-License-Identifier: BSD-2-Clause */
/* Segmentation on the NIC: the host sends a header template (Ethernet + IPv4 or IPv6 + TCP with
 * options, exactly as the first segment of the burst must look); the NIC cuts the burst into
 * MSS-sized segments, advancing the sequence number and IPv4 id, fixing lengths and checksums
 * (IPv6: payload length, no header checksum, the TCP checksum over the IPv6 pseudo-header).
 * PSH and FIN stay only on the last segment (like TSO); CWR only on the first (RFC 3168 6.1.2). */
#ifndef IOTCP_NIC_SEGMENT_H
#define IOTCP_NIC_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define NIC_TMPL_MAX (14 + 40 + 60)

struct nic_tmpl {
	uint8_t hdr[NIC_TMPL_MAX];
	uint16_t hlen;	       /* bytes of hdr in use */
	uint16_t l3off, l4off; /* IP and TCP header offsets */
	bool v6;	       /* IPv6 (EtherType 0x86DD), else IPv4 */
	uint32_t seq;	       /* sequence number of the template (first byte of the burst) */
	uint16_t ip_id;
	uint8_t tcp_flags;
	uint32_t pseudo; /* partial sum of the pseudo-header without the length */
};

/* Validate and load a template: Ethernet II with EtherType IPv4 (IPv4 without options, protocol
 * TCP) or IPv6 (version 6, Next Header TCP: no extension headers, unicast addresses), a sane TCP
 * data offset, and hlen exactly covering the headers. 0 or -EINVAL. */
int nic_tmpl_init(struct nic_tmpl *t, const uint8_t *hdr, size_t hlen);

/* Write the segment that starts off bytes into the burst (seq = t->seq + off) carrying the
 * payload pieces (total plen bytes) into out. ip_id_delta is added to the template's IP id;
 * last marks the burst's final segment. With tcp_csum_offload the TCP checksum field gets the
 * pseudo-header sum only (the port completes it). Returns the frame length, or 0 if cap is too
 * small. */
size_t nic_seg_write(const struct nic_tmpl *t, uint32_t off, uint16_t ip_id_delta, bool last,
		     const struct iovec *pl, int npl, uint32_t plen, uint8_t *out, size_t cap,
		     bool tcp_csum_offload);

/* The headers alone of that segment (plen payload bytes follow elsewhere), for a port that
 * completes TCP checksums: the checksum field gets the pseudo-header sum. Returns t->hlen, or 0
 * if cap is too small. */
size_t nic_seg_write_hdr(const struct nic_tmpl *t, uint32_t off, uint16_t ip_id_delta, bool last,
			 uint32_t plen, uint8_t *out, size_t cap);

#endif
