/* SPDX-License-Identifier: BSD-2-Clause */
/* Decoding the TCP segment an ICMP error quotes (see icmp_quote.h). The quoted packet is
 * usually truncated, so its length fields are not checked against what is there. */
#include "wire/icmp_quote.h"

#include <string.h>

#include "wire/bytes.h"

#define TCP_QUOTED_MIN 8 /* ports and sequence number: all RFC 792 promises */
#define IP_PROTO_TCP   6

static void quote_ports(const uint8_t *tcp, struct icmp_quote_tcp *q)
{
	q->sport = get_be16(tcp);
	q->dport = get_be16(tcp + 2);
	q->seq = get_be32(tcp + 4);
}

int icmp_quote_tcp4(const uint8_t *p, size_t len, struct icmp_quote_tcp *q)
{
	memset(q, 0, sizeof(*q));
	if (len < 20 + TCP_QUOTED_MIN)
		return ICMP_QUOTE_E_TRUNC;
	if (p[0] >> 4 != 4)
		return ICMP_QUOTE_E_VERSION;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return ICMP_QUOTE_E_VERSION;
	if (len < ihl + TCP_QUOTED_MIN)
		return ICMP_QUOTE_E_TRUNC;
	if (p[9] != IP_PROTO_TCP)
		return ICMP_QUOTE_E_PROTO;
	if ((p[6] & 0x1f) || p[7]) /* fragment offset */
		return ICMP_QUOTE_E_FRAG;
	q->version = 4;
	q->saddr = get_be32(p + 12);
	q->daddr = get_be32(p + 16);
	quote_ports(p + ihl, q);
	return 0;
}

int icmp_quote_tcp6(const uint8_t *p, size_t len, struct icmp_quote_tcp *q)
{
	memset(q, 0, sizeof(*q));
	if (len < IPV6_HDR_LEN + TCP_QUOTED_MIN)
		return ICMP_QUOTE_E_TRUNC;
	if (p[0] >> 4 != 6)
		return ICMP_QUOTE_E_VERSION;
	if (p[6] != IP_PROTO_TCP)
		return ICMP_QUOTE_E_PROTO;
	q->version = 6;
	memcpy(q->src6.b, p + 8, 16);
	memcpy(q->dst6.b, p + 24, 16);
	quote_ports(p + IPV6_HDR_LEN, q);
	return 0;
}

const char *icmp_quote_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case ICMP_QUOTE_E_TRUNC:
		return "quoted packet truncated";
	case ICMP_QUOTE_E_VERSION:
		return "quoted packet of another IP version";
	case ICMP_QUOTE_E_PROTO:
		return "quoted packet not TCP";
	case ICMP_QUOTE_E_FRAG:
		return "quoted packet a non-first fragment";
	default:
		return "unknown error";
	}
}
