/* SPDX-License-Identifier: BSD-2-Clause */
/* Basic types shared by the sans-I/O TCP core and its users. */
#ifndef IOTCP_TCP_TYPES_H
#define IOTCP_TCP_TYPES_H

#include <stdint.h>

/* Time is always passed in by the caller: nanoseconds on the caller's monotonic clock. */
typedef uint64_t tcp_time_t;
#define TCP_TIME_NEVER UINT64_MAX
#define TCP_USEC       ((tcp_time_t)1000)
#define TCP_MSEC       ((tcp_time_t)1000000)
#define TCP_SEC        ((tcp_time_t)1000000000)

/* A connection's addresses, IPv4, host byte order. */
struct tcp_tuple {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

/* Per-stack secret keys (RFC 6528 ISNs, RFC 4987 SYN cookies, timestamp offsets).
 * The caller fills them from a CSPRNG; the simulator from its seed. */
struct tcp_secret {
	uint8_t key[16];
};

#endif
