/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 header codec, RFC 791 section 3.1. */
#include "wire/ipv4.h"

#include <stdio.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

int ipv4_decode(const uint8_t *p, size_t len, struct ipv4_hdr *h, bool verify_csum)
{
	if (len < IPV4_HDR_MIN)
		return IPV4_E_TRUNC;
	if ((p[0] >> 4) != 4)
		return IPV4_E_VERSION;
	unsigned hlen = (p[0] & 0x0fu) * 4;
	if (hlen < IPV4_HDR_MIN)
		return IPV4_E_IHL;
	if (hlen > len)
		return IPV4_E_TRUNC;
	uint16_t tot_len = get_be16(p + 2);
	if (tot_len < hlen)
		return IPV4_E_LEN;
	if (tot_len > len)
		return IPV4_E_TRUNC;
	/* RFC 791: the checksum over the header, options included, sums to all ones. */
	if (verify_csum && inet_csum(p, hlen) != 0)
		return IPV4_E_CSUM;
	h->hlen = (uint8_t)hlen;
	h->tos = p[1];
	h->tot_len = tot_len;
	h->id = get_be16(p + 4);
	h->frag_off = get_be16(p + 6);
	h->ttl = p[8];
	h->proto = p[9];
	h->csum = get_be16(p + 10);
	h->saddr = get_be32(p + 12);
	h->daddr = get_be32(p + 16);
	return (int)hlen;
}

size_t ipv4_encode(uint8_t *p, size_t cap, struct ipv4_hdr *h)
{
	if (cap < IPV4_HDR_MIN)
		return 0;
	p[0] = 0x45;
	p[1] = h->tos;
	put_be16(p + 2, h->tot_len);
	put_be16(p + 4, h->id);
	put_be16(p + 6, h->frag_off);
	p[8] = h->ttl;
	p[9] = h->proto;
	p[10] = 0;
	p[11] = 0;
	put_be32(p + 12, h->saddr);
	put_be32(p + 16, h->daddr);
	h->csum = inet_csum(p, IPV4_HDR_MIN);
	put_be16(p + 10, h->csum);
	h->hlen = IPV4_HDR_MIN;
	return IPV4_HDR_MIN;
}

char *ipv4_format(uint32_t addr, char *buf)
{
	snprintf(buf, IPV4_STR_LEN, "%u.%u.%u.%u", (unsigned)(addr >> 24),
		 (unsigned)(addr >> 16) & 0xff, (unsigned)(addr >> 8) & 0xff,
		 (unsigned)addr & 0xff);
	return buf;
}

int ipv4_parse(const char *s, uint32_t *addr)
{
	uint32_t a = 0;

	if (!s)
		return -1;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (digits == 3 || (digits == 1 && v == 0))
				return -1; /* too long, or a leading zero */
			v = v * 10 + (unsigned)(*s - '0');
			digits++;
			s++;
		}
		if (digits == 0 || v > 255)
			return -1;
		a = a << 8 | v;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	if (*s != '\0')
		return -1;
	*addr = a;
	return 0;
}

const char *ipv4_strerror(int err)
{
	switch (err) {
	case IPV4_E_TRUNC:
		return "truncated IPv4 packet";
	case IPV4_E_VERSION:
		return "IP version is not 4";
	case IPV4_E_IHL:
		return "IPv4 header length < 20";
	case IPV4_E_LEN:
		return "IPv4 total length < header length";
	case IPV4_E_CSUM:
		return "bad IPv4 header checksum";
	default:
		return err >= 0 ? "ok" : "unknown IPv4 error";
	}
}
