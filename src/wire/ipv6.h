/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 header codec (RFC 8200) with a bounded walk over the extension headers an end host
 * may meet: Hop-by-Hop and Destination options (RFC 8200 section 4.3, 4.6), Routing with
 * Segments Left 0 (section 4.4) and atomic fragments (RFC 6946). Everything else that needs
 * reassembly or processing is refused with a reason. Addresses are 16 network-order bytes. */
#ifndef IOTCP_WIRE_IPV6_H
#define IOTCP_WIRE_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/eth.h"

#define IPV6_HDR_LEN  40
#define IPV6_MIN_MTU  1280 /* RFC 8200 section 5 */
#define IPV6_MAX_PLEN 65535
#define IPV6_EXT_MAX  8 /* extension headers walked before the packet is refused */

/* Next Header values (IANA protocol numbers). */
#define IPV6_NH_HOPOPTS	 0
#define IPV6_NH_TCP	 6
#define IPV6_NH_UDP	 17
#define IPV6_NH_ROUTING	 43
#define IPV6_NH_FRAGMENT 44
#define IPV6_NH_ICMPV6	 58
#define IPV6_NH_NONE	 59
#define IPV6_NH_DSTOPTS	 60

#define IPV6_ECN_MASK 0x03 /* low two bits of the traffic class (RFC 3168 section 5) */

#define IPV6_STR_LEN 46 /* INET6_ADDRSTRLEN */

struct ipv6_addr {
	uint8_t b[16];
};

/* A decoded IPv6 header, host byte order, after the extension-header walk. */
struct ipv6_hdr {
	uint8_t tclass;
	uint8_t hlim;
	uint8_t nxt;   /* Next Header of the fixed header */
	uint8_t proto; /* upper-layer protocol after the extension headers */
	uint16_t plen; /* payload length (extension headers + upper layer) */
	uint16_t hlen; /* 40 + extension headers: offset of the upper-layer header */
	uint32_t flow; /* 20-bit flow label */
	struct ipv6_addr src, dst;
};

/* Errors from ipv6_decode: always negative. */
enum {
	IPV6_E_TRUNC = -1,   /* buffer shorter than 40 or than 40 + payload length */
	IPV6_E_VERSION = -2, /* version != 6 */
	IPV6_E_EXT = -3,     /* malformed extension header, an option we must not skip, a
			      * Hop-by-Hop header not first, a Routing header with Segments
			      * Left != 0, or more than IPV6_EXT_MAX headers */
	IPV6_E_FRAG = -4,    /* a real fragment (offset or M set): not reassembled */
};

/* Decode and validate the packet at p (len bytes, may include link padding). Lengths come
 * from the payload length field; jumbograms (payload length 0 with a Jumbo option) are not
 * supported (they fail as truncated). Returns the upper-layer offset (h->hlen) or IPV6_E_*. */
int ipv6_decode(const uint8_t *p, size_t len, struct ipv6_hdr *h);

/* Encode the fixed 40-byte header from h: tclass, flow, plen, nxt, hlim, src, dst (h->hlen is
 * set to 40, h->proto to h->nxt). Returns 40, or 0 when cap is too small. */
size_t ipv6_encode(uint8_t *p, size_t cap, struct ipv6_hdr *h);

/* Human-readable name of an ipv6_decode error. */
const char *ipv6_strerror(int err);

/* RFC 5952 text into buf (IPV6_STR_LEN bytes); returns buf. */
char *ipv6_format(const struct ipv6_addr *a, char *buf);

/* Parse RFC 4291 section 2.2 text (no zone, no prefix length). Returns 0, or -1 (a is then
 * unchanged). */
int ipv6_parse(const char *s, struct ipv6_addr *a);

static inline bool ipv6_addr_equal(const struct ipv6_addr *a, const struct ipv6_addr *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

static inline bool ipv6_addr_is_unspecified(const struct ipv6_addr *a)
{
	static const struct ipv6_addr zero;
	return ipv6_addr_equal(a, &zero);
}

/* ff00::/8 (RFC 4291 section 2.7). */
static inline bool ipv6_addr_is_multicast(const struct ipv6_addr *a)
{
	return a->b[0] == 0xff;
}

/* ::ffff:0:0/96 (RFC 4291 section 2.5.5.2). */
static inline bool ipv6_addr_is_v4mapped(const struct ipv6_addr *a)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, pfx, sizeof(pfx)) == 0;
}

/* ::1 (RFC 4291 section 2.5.3). */
static inline bool ipv6_addr_is_loopback(const struct ipv6_addr *a)
{
	static const struct ipv6_addr one = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
	return ipv6_addr_equal(a, &one);
}

/* fe80::/10 (RFC 4291 section 2.5.6). */
static inline bool ipv6_addr_is_link_local(const struct ipv6_addr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* The solicited-node multicast address of a (ff02::1:ffXX:XXXX, RFC 4291 section 2.7.1). */
struct ipv6_addr ipv6_solicited_node(const struct ipv6_addr *a);

/* The Ethernet address a multicast IPv6 address maps to (33:33 + low 32 bits, RFC 2464
 * section 7). */
struct mac_addr ipv6_multicast_mac(const struct ipv6_addr *a);

#endif
