/* SPDX-License-Identifier: BSD-2-Clause */
/* Initial sequence numbers (RFC 6528 section 3) and timestamp offsets (RFC 7323 section 5.4). */
#include "tcp/isn.h"

#include "util/siphash.h"

/* Domain bytes keep the keyed hashes for different purposes independent. */
enum { ISN_DOMAIN_ISN = 0x49, ISN_DOMAIN_TS = 0x54 };

/* F(localip, localport, remoteip, remoteport, secretkey): SipHash-2-4 over a fixed byte layout. */
static uint64_t tuple_hash(const struct tcp_secret *s, const struct tcp_tuple *t, uint8_t domain)
{
	uint8_t buf[13];

	buf[0] = domain;
	for (int i = 0; i < 4; i++) {
		buf[1 + i] = (uint8_t)(t->laddr >> (24 - 8 * i));
		buf[5 + i] = (uint8_t)(t->raddr >> (24 - 8 * i));
	}
	buf[9] = (uint8_t)(t->lport >> 8);
	buf[10] = (uint8_t)t->lport;
	buf[11] = (uint8_t)(t->rport >> 8);
	buf[12] = (uint8_t)t->rport;
	return siphash24(s->key, buf, sizeof(buf));
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
