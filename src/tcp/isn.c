/* SPDX-License-Identifier: BSD-2-Clause */
/* Initial sequence numbers (RFC 6528 section 3) and timestamp offsets (RFC 7323 section 5.4). */
#include "tcp/isn.h"

#include "tcp/tuple.h"
#include "util/siphash.h"

/* Domain bytes keep the keyed hashes for different purposes independent. */
enum { ISN_DOMAIN_ISN = 0x49, ISN_DOMAIN_TS = 0x54 };

/* F(localip, localport, remoteip, remoteport, secretkey): SipHash-2-4 over a fixed byte layout. */
static uint64_t tuple_hash(const struct tcp_secret *s, const struct tcp_tuple *t, uint8_t domain)
{
	uint8_t buf[1 + TCP_TUPLE_KEY_MAX];

	buf[0] = domain;
	size_t n = 1 + tcp_tuple_key(t, buf + 1); /* full IPv6 addresses, RFC 6528 section 3 */
	return siphash24(s->key, buf, n);
}

uint32_t tcp_isn(const struct tcp_secret *s, const struct tcp_tuple *t, tcp_time_t now)
{
	/* RFC 6528 section 3: ISN = M + F(...), M a timer ticking every 4 microseconds. */
	uint32_t m = (uint32_t)(now / (4 * TCP_USEC));

	return m + (uint32_t)tuple_hash(s, t, ISN_DOMAIN_ISN);
}

uint32_t tcp_ts_offset(const struct tcp_secret *s, const struct tcp_tuple *t)
{
	return (uint32_t)tuple_hash(s, t, ISN_DOMAIN_TS);
}
