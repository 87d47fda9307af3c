/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 Neighbor Discovery (RFC 4861): Neighbor Solicitation and Advertisement with the
 * source/target link-layer address options, validated as section 7.1 asks. */
#ifndef IOTCP_WIRE_ND_H
#define IOTCP_WIRE_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/eth.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"

#define ND_MSG_LEN     24 /* NS/NA: ICMPv6 header + target address */
#define ND_LLA_OPT_LEN 8  /* link-layer address option for Ethernet (RFC 4861 section 4.6.1) */
#define ND_HOP_LIMIT   255

#define ND_OPT_SLLA 1 /* source link-layer address */
#define ND_OPT_TLLA 2 /* target link-layer address */

/* NA flags (RFC 4861 section 4.4), in the ICMPv6 "rest" word. */
#define ND_NA_ROUTER	0x80000000u
#define ND_NA_SOLICITED 0x40000000u
#define ND_NA_OVERRIDE	0x20000000u

/* A decoded NS or NA. lla is the source link-layer address of an NS, the target link-layer
 * address of an NA. */
struct nd_msg {
	uint8_t type;	/* ICMP6_ND_NS or ICMP6_ND_NA */
	uint32_t flags; /* NA: ND_NA_* */
	struct ipv6_addr target;
	bool has_lla;
	struct mac_addr lla;
};

/* Errors from nd_decode: always negative. */
enum {
	ND_E_TYPE = -1,	    /* not an NS or NA */
	ND_E_TRUNC = -2,    /* ICMPv6 length < 24 */
	ND_E_HOPLIMIT = -3, /* IPv6 Hop Limit != 255: not from a neighbor */
	ND_E_CODE = -4,	    /* ICMPv6 code != 0 */
	ND_E_TARGET = -5,   /* multicast target */
	ND_E_OPT = -6,	    /* an option of length 0, or one running past the message */
	ND_E_SRC = -7,	    /* NS from :: not to a solicited-node address, or with an SLLA */
	ND_E_FLAGS = -8,    /* NA to a multicast address with the Solicited flag */
};

/* Validate and decode an NS or NA (RFC 4861 sections 7.1.1 and 7.1.2) whose ICMPv6 header
 * (and checksum) icmp6_decode already accepted; ip is its IPv6 header. Unknown options are
 * skipped (section 4.6). Returns 0 or ND_E_*. */
int nd_decode(const struct ipv6_hdr *ip, const struct icmp6_msg *m, struct nd_msg *nd);

/* Build an NS for target from src to dst, with a source link-layer address option when sll
 * is not NULL (it must be NULL when src is ::). Returns the length or 0 if cap is too small. */
size_t nd_encode_ns(uint8_t *p, size_t cap, const struct ipv6_addr *src,
		    const struct ipv6_addr *dst, const struct ipv6_addr *target,
		    const struct mac_addr *sll);

/* Build an NA for target with flags (ND_NA_*) from src to dst, with a target link-layer
 * address option when tll is not NULL. Returns the length or 0 if cap is too small. */
size_t nd_encode_na(uint8_t *p, size_t cap, const struct ipv6_addr *src,
		    const struct ipv6_addr *dst, const struct ipv6_addr *target, uint32_t flags,
		    const struct mac_addr *tll);

/* Human-readable name of an nd_decode error. */
const char *nd_strerror(int err);

#endif
