/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMPv6 (RFC 4443): generic decode with the pseudo-header checksum, echo request/reply and
 * Packet Too Big. Neighbor Discovery messages are in wire/nd.h. */
#ifndef IOTCP_WIRE_ICMP6_H
#define IOTCP_WIRE_ICMP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ipv6.h"

#define ICMP6_HDR_LEN 8

/* Types (RFC 4443 section 2.1; RFC 4861 section 4). */
#define ICMP6_DST_UNREACH    1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED  3
#define ICMP6_PARAM_PROB     4
#define ICMP6_ECHO_REQUEST   128
#define ICMP6_ECHO_REPLY     129
#define ICMP6_ND_RS	     133
#define ICMP6_ND_RA	     134
#define ICMP6_ND_NS	     135
#define ICMP6_ND_NA	     136
#define ICMP6_ND_REDIRECT    137

/* A decoded ICMPv6 message. rest is the 32-bit word after the checksum: id << 16 | seq for
 * echo messages, the MTU for Packet Too Big, the pointer for Parameter Problem. */
struct icmp6_msg {
	uint8_t type, code;
	uint16_t csum;
	uint32_t rest;
	uint16_t id, seq;    /* echo */
	const uint8_t *data; /* bytes after the 8-byte header (the invoking packet for errors) */
	size_t data_len;
};

/* Errors from icmp6_decode: always negative. */
enum {
	ICMP6_E_TRUNC = -1, /* fewer than 8 bytes */
	ICMP6_E_CSUM = -2,  /* checksum over pseudo-header + message does not verify */
};

/* Checksum over the IPv6 pseudo-header (Next Header 58) and the message p[0, len) with its
 * checksum field as found: 0 for a message that verifies; with the field zeroed, the value to
 * store (RFC 4443 section 2.3). */
uint16_t icmp6_csum(const struct ipv6_addr *src, const struct ipv6_addr *dst, const uint8_t *p,
		    size_t len);

/* Decode the message at p (len: the upper-layer length). Returns 0 or ICMP6_E_*. */
int icmp6_decode(const uint8_t *p, size_t len, const struct ipv6_addr *src,
		 const struct ipv6_addr *dst, struct icmp6_msg *m, bool verify_csum);

/* Build an echo request or reply (RFC 4443 section 4) from src to dst with id, seq and data
 * (which may already sit in p + 8). Returns the message length or 0 when cap is too small. */
size_t icmp6_encode_echo(uint8_t *p, size_t cap, const struct ipv6_addr *src,
			 const struct ipv6_addr *dst, uint8_t type, uint16_t id, uint16_t seq,
			 const uint8_t *data, size_t data_len);

/* Build a Packet Too Big message (RFC 4443 section 3.2) reporting mtu, carrying as much of the
 * invoking packet as keeps the whole IPv6 packet within IPV6_MIN_MTU (section 2.4 (c)).
 * Returns the message length or 0 when cap is too small for the 8-byte header. */
size_t icmp6_encode_ptb(uint8_t *p, size_t cap, const struct ipv6_addr *src,
			const struct ipv6_addr *dst, uint32_t mtu, const uint8_t *invoking,
			size_t invoking_len);

/* RFC 4443 section 2.4 (e): error messages are never answered with an error. */
static inline bool icmp6_is_error(uint8_t type)
{
	return type < 128;
}

/* Human-readable name of an icmp6_decode error. */
const char *icmp6_strerror(int err);

#endif
