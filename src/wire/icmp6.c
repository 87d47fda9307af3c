/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMPv6, RFC 4443: header, checksum, echo, Packet Too Big. */
#include "wire/icmp6.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

uint16_t icmp6_csum(const struct ipv6_addr *src, const struct ipv6_addr *dst, const uint8_t *p,
		    size_t len)
{
	uint32_t ph = csum_pseudo_ipv6(src->b, dst->b, IPV6_NH_ICMPV6, (uint32_t)len);
	return csum_fold(csum_partial(p, len, ph));
}

int icmp6_decode(const uint8_t *p, size_t len, const struct ipv6_addr *src,
		 const struct ipv6_addr *dst, struct icmp6_msg *m, bool verify_csum)
{
	if (len < ICMP6_HDR_LEN)
		return ICMP6_E_TRUNC;
	/* RFC 4443 section 2.3: unlike ICMPv4, the pseudo-header is covered. */
	if (verify_csum && icmp6_csum(src, dst, p, len) != 0)
		return ICMP6_E_CSUM;
	m->type = p[0];
	m->code = p[1];
	m->csum = get_be16(p + 2);
	m->rest = get_be32(p + 4);
	m->id = (uint16_t)(m->rest >> 16);
	m->seq = (uint16_t)m->rest;
	m->data = p + ICMP6_HDR_LEN;
	m->data_len = len - ICMP6_HDR_LEN;
	return 0;
}

/* Header with rest, body already in place at p + 8: checksum and store. */
static size_t finish(uint8_t *p, const struct ipv6_addr *src, const struct ipv6_addr *dst,
		     uint8_t type, uint8_t code, uint32_t rest, size_t body_len)
{
	p[0] = type;
	p[1] = code;
	put_be16(p + 2, 0);
	put_be32(p + 4, rest);
	put_be16(p + 2, icmp6_csum(src, dst, p, ICMP6_HDR_LEN + body_len));
	return ICMP6_HDR_LEN + body_len;
}

size_t icmp6_encode_echo(uint8_t *p, size_t cap, const struct ipv6_addr *src,
			 const struct ipv6_addr *dst, uint8_t type, uint16_t id, uint16_t seq,
			 const uint8_t *data, size_t data_len)
{
	if (cap < ICMP6_HDR_LEN || data_len > cap - ICMP6_HDR_LEN)
		return 0;
	if (data_len)
		memmove(p + ICMP6_HDR_LEN, data, data_len); /* in-place replies */
	return finish(p, src, dst, type, 0, (uint32_t)id << 16 | seq, data_len);
}

size_t icmp6_encode_ptb(uint8_t *p, size_t cap, const struct ipv6_addr *src,
			const struct ipv6_addr *dst, uint32_t mtu, const uint8_t *invoking,
			size_t invoking_len)
{
	const size_t room = IPV6_MIN_MTU - IPV6_HDR_LEN - ICMP6_HDR_LEN;
	if (cap < ICMP6_HDR_LEN)
		return 0;
	size_t n = invoking_len < room ? invoking_len : room;
	if (n > cap - ICMP6_HDR_LEN)
		n = cap - ICMP6_HDR_LEN;
	if (n)
		memmove(p + ICMP6_HDR_LEN, invoking, n);
	return finish(p, src, dst, ICMP6_PACKET_TOO_BIG, 0, mtu, n);
}

const char *icmp6_strerror(int err)
{
	switch (err) {
	case ICMP6_E_TRUNC:
		return "truncated ICMPv6 message";
	case ICMP6_E_CSUM:
		return "bad ICMPv6 checksum";
	default:
		return err >= 0 ? "ok" : "unknown ICMPv6 error";
	}
}
