/* SPDX-License-Identifier: BSD-2-Clause */
/* The TCP segment an ICMP or ICMPv6 error quotes: RFC 792 (the invoking IPv4 header and at
 * least 8 bytes of its data), RFC 4443 section 2.4 (c) (as much of the invoking IPv6 packet as
 * fits). A sender needs the addresses, ports and sequence number to find the connection and
 * to check that the error can be about data it has in flight (RFC 5927 sections 4.1, 5.1). */
#ifndef IOTCP_WIRE_ICMP_QUOTE_H
#define IOTCP_WIRE_ICMP_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "wire/ipv6.h"

/* IPv4 "destination unreachable, fragmentation needed and DF set" (RFC 792, RFC 1191
 * section 4: the next-hop MTU in the low 16 bits of the header's unused word). */
#define ICMP_CODE_FRAG_NEEDED 4

struct icmp_quote_tcp {
	uint8_t version;	     /* 4 or 6 */
	uint32_t saddr, daddr;	     /* IPv4, host order */
	struct ipv6_addr src6, dst6; /* IPv6 */
	uint16_t sport, dport;	     /* host order */
	uint32_t seq;
};

/* Errors: always negative. */
enum {
	ICMP_QUOTE_E_TRUNC = -1,   /* shorter than the IP header + 8 bytes of TCP */
	ICMP_QUOTE_E_VERSION = -2, /* not the IP version the error came over */
	ICMP_QUOTE_E_PROTO = -3,   /* not TCP (an IPv6 extension header counts as not TCP: this
				    * stack sends none) */
	ICMP_QUOTE_E_FRAG = -4,	   /* an IPv4 fragment past the first: no TCP header */
};

/* Decode the invoking packet p[0, len) of an ICMP (IPv4) error. Returns 0 or an error. */
int icmp_quote_tcp4(const uint8_t *p, size_t len, struct icmp_quote_tcp *q);
/* The same for the invoking packet of an ICMPv6 error. */
int icmp_quote_tcp6(const uint8_t *p, size_t len, struct icmp_quote_tcp *q);
const char *icmp_quote_strerror(int err);

#endif
