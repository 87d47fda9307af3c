/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP header and option codec (RFC 9293 section 3.1; options: RFC 9293 MSS, RFC 7323 window
 * scale and timestamps, RFC 2018 SACK-permitted and SACK). */
#ifndef IOTCP_WIRE_TCP_HDR_H
#define IOTCP_WIRE_TCP_HDR_H

#include <stddef.h>
#include <stdint.h>

/* Flags (th_flags), RFC 9293 section 3.1 plus RFC 3168 ECE/CWR. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#define TCP_HDR_MIN  20
#define TCP_HDR_MAX  60
#define TCP_MAX_SACK 4

/* Which options a header carries (tcp_opts.present). */
#define TCP_OPT_F_MSS	 0x01
#define TCP_OPT_F_WSCALE 0x02
#define TCP_OPT_F_SACKOK 0x04
#define TCP_OPT_F_TS	 0x08
#define TCP_OPT_F_SACK	 0x10

struct tcp_sack_block {
	uint32_t start, end; /* [start, end) */
};

struct tcp_opts {
	uint8_t present;
	uint8_t wscale;
	uint8_t nsack;
	uint16_t mss;
	uint32_t ts_val, ts_ecr;
	struct tcp_sack_block sack[TCP_MAX_SACK];
};

/* A decoded TCP header, host byte order. */
struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t hlen; /* header length in bytes, options included */
	uint16_t wnd; /* raw field, not scaled */
	uint16_t urp;
	uint16_t csum;
	struct tcp_opts opts;
};

/* Errors from decode: always negative. */
enum {
	TCP_HDR_ETRUNC = -1, /* fewer bytes than the header says */
	TCP_HDR_EDOFF = -2,  /* data offset < 5 */
	TCP_HDR_EOPT = -3,   /* malformed option (bad length, runs past header) */
};

/* Decode the header at p (len bytes available, payload may follow). Unknown options are
 * skipped; a malformed option list fails the whole header. Returns hlen or a TCP_HDR_E*. */
int tcp_hdr_decode(const uint8_t *p, size_t len, struct tcp_hdr *h);

/* Encode h (options as flagged in h->opts.present, NOP-padded to 4 bytes; hlen is computed and
 * stored back in h). The checksum field is written as h->csum. Returns bytes written, or 0 when
 * cap is too small or the options cannot fit in 40 bytes. */
size_t tcp_hdr_encode(uint8_t *p, size_t cap, struct tcp_hdr *h);

/* Length the options of o would take on the wire, padded to 4. */
size_t tcp_opts_len(const struct tcp_opts *o);

/* Human-readable name of a decode error. */
const char *tcp_hdr_strerror(int err);

/* TCP checksum with the IPv4 pseudo-header (RFC 9293 section 3.1) over seg[0, len) (header +
 * payload) with the checksum field as found: 0 for a received segment that verifies; with the
 * field zeroed, the value to store (host order). Addresses in host order. */
uint16_t tcp_csum_ipv4(uint32_t saddr, uint32_t daddr, const uint8_t *seg, size_t len);

/* The same with the IPv6 pseudo-header (RFC 8200 section 8.1); addresses are 16 network-order
 * bytes each. */
uint16_t tcp_csum_ipv6(const uint8_t src[16], const uint8_t dst[16], const uint8_t *seg,
		       size_t len);

#endif
