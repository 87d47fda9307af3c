/* SPDX-License-Identifier: BSD-2-Clause */
/* Basic types shared by the sans-I/O TCP core and its users. */
#ifndef IOTCP_TCP_TYPES_H
#define IOTCP_TCP_TYPES_H

#include <stdint.h>

#include "wire/ipv6.h"

/* Time is always passed in by the caller: nanoseconds on the caller's monotonic clock. */
typedef uint64_t tcp_time_t;
#define TCP_TIME_NEVER UINT64_MAX
#define TCP_USEC       ((tcp_time_t)1000)
#define TCP_MSEC       ((tcp_time_t)1000000)
#define TCP_SEC        ((tcp_time_t)1000000000)

/* Address families of a tuple. IPv4 is 0 so that a tuple initialized with only its IPv4
 * fields is an IPv4 tuple. */
enum tcp_family { TCP_AF_INET = 0, TCP_AF_INET6 = 1 };

/* A connection's addresses and ports. IPv4 tuples use laddr/raddr (host byte order) and keep
 * the IPv6 fields zero; IPv6 tuples use laddr6/raddr6 (network order, RFC 8200) and keep
 * laddr/raddr zero. The IPv4 fields come first: an IPv4 lookup compares 16 bytes. */
struct tcp_tuple {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint8_t family; /* enum tcp_family */
	struct ipv6_addr laddr6, raddr6;
};

static inline struct tcp_tuple tcp_tuple6(const struct ipv6_addr *laddr, uint16_t lport,
					  const struct ipv6_addr *raddr, uint16_t rport)
{
	struct tcp_tuple t = {.lport = lport, .rport = rport, .family = TCP_AF_INET6};
	t.laddr6 = *laddr;
	t.raddr6 = *raddr;
	return t;
}

/* Per-stack secret keys (RFC 6528 ISNs, RFC 4987 SYN cookies, timestamp offsets).
 * The caller fills them from a CSPRNG; the simulator from its seed. */
struct tcp_secret {
	uint8_t key[16];
};

#endif
