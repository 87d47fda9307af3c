/* SPDX-License-Identifier: BSD-2-Clause */
/* Tuple helpers shared by the flow table, ISNs, SYN cookies and listeners: equality, the byte
 * layout keyed hashes cover, address checks and the per-family MSS. */
#ifndef IOTCP_TCP_TUPLE_H
#define IOTCP_TCP_TUPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/types.h"

/* Bytes tcp_tuple_key writes at most: two IPv6 addresses and two ports. */
#define TCP_TUPLE_KEY_MAX 36

/* IPv6's fixed header is 20 bytes longer than IPv4's without options (RFC 8200 section 3). */
#define TCP_IPV6_EXTRA 20
/* RFC 9293 section 3.7.1 (MUST-15): the send MSS assumed without an MSS option. */
#define TCP_DEFAULT_MSS4 536
#define TCP_DEFAULT_MSS6 1220 /* IPV6_MIN_MTU - 60 */

static inline bool tcp_tuple_eq(const struct tcp_tuple *a, const struct tcp_tuple *b)
{
	if (a->lport != b->lport || a->rport != b->rport || a->family != b->family)
		return false;
	if (a->family == TCP_AF_INET)
		return a->laddr == b->laddr && a->raddr == b->raddr;
	return ipv6_addr_equal(&a->laddr6, &b->laddr6) && ipv6_addr_equal(&a->raddr6, &b->raddr6);
}

/* The tuple as network-order bytes: local address, remote address (4 or 16 bytes each), local
 * port, remote port. Returns the length (12 or 36). The IPv4 layout is the one the keyed
 * hashes always used; the lengths differ, so the families never collide. */
size_t tcp_tuple_key(const struct tcp_tuple *t, uint8_t out[TCP_TUPLE_KEY_MAX]);

/* The MSS of a connection of this family when mss4 is what an IPv4 connection on the same link
 * uses (MTU - 40): 20 bytes less for IPv6 (MTU - 60). */
static inline uint16_t tcp_mss_for_family(uint16_t mss4, uint8_t family)
{
	if (family != TCP_AF_INET6)
		return mss4;
	return mss4 > TCP_IPV6_EXTRA ? (uint16_t)(mss4 - TCP_IPV6_EXTRA) : 0;
}

/* The send MSS to assume when a SYN carries no MSS option. */
static inline uint16_t tcp_default_peer_mss(uint8_t family)
{
	return family == TCP_AF_INET6 ? TCP_DEFAULT_MSS6 : TCP_DEFAULT_MSS4;
}

/* An address no connection may use: IPv4 0, broadcast or multicast; IPv6 unspecified,
 * multicast or IPv4-mapped (RFC 4291 section 2.5.5.2: a representation for the API, never a
 * source or destination on the wire; one arriving there is spoofed). */
bool tcp_addr4_bad(uint32_t a);
bool tcp_addr6_bad(const struct ipv6_addr *a);

#endif
