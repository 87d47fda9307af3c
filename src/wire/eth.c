/* SPDX-License-Identifier: BSD-2-Clause */
/* Ethernet II framing with an optional 802.1Q/802.1ad tag. */
#include "wire/eth.h"

#include <stdio.h>

#include "util/hex.h"
#include "wire/bytes.h"

int eth_decode(const uint8_t *p, size_t len, struct eth_hdr *e)
{
	if (len < ETH_HDR_LEN)
		return ETH_E_TRUNC;
	memcpy(e->dst.b, p, ETH_ADDR_LEN);
	memcpy(e->src.b, p + ETH_ADDR_LEN, ETH_ADDR_LEN);
	uint16_t type = get_be16(p + 12);
	if (type == ETH_P_8021Q || type == ETH_P_8021AD) {
		if (len < ETH_HDR_LEN + ETH_VLAN_LEN)
			return ETH_E_TRUNC;
		e->has_vlan = 1;
		e->vlan_tci = get_be16(p + 14);
		e->type = get_be16(p + 16);
		e->hlen = ETH_HDR_LEN + ETH_VLAN_LEN;
	} else {
		e->has_vlan = 0;
		e->vlan_tci = 0;
		e->type = type;
		e->hlen = ETH_HDR_LEN;
	}
	return e->hlen;
}

size_t eth_encode(uint8_t *p, size_t cap, struct eth_hdr *e)
{
	size_t hlen = e->has_vlan ? ETH_HDR_LEN + ETH_VLAN_LEN : ETH_HDR_LEN;
	if (cap < hlen)
		return 0;
	memcpy(p, e->dst.b, ETH_ADDR_LEN);
	memcpy(p + ETH_ADDR_LEN, e->src.b, ETH_ADDR_LEN);
	if (e->has_vlan) {
		put_be16(p + 12, ETH_P_8021Q);
		put_be16(p + 14, e->vlan_tci);
		put_be16(p + 16, e->type);
	} else {
		put_be16(p + 12, e->type);
	}
	e->hlen = (uint8_t)hlen;
	return hlen;
}

size_t eth_encode_simple(uint8_t *p, size_t cap, const struct mac_addr *dst,
			 const struct mac_addr *src, uint16_t type)
{
	if (cap < ETH_HDR_LEN)
		return 0;
	memcpy(p, dst->b, ETH_ADDR_LEN);
	memcpy(p + ETH_ADDR_LEN, src->b, ETH_ADDR_LEN);
	put_be16(p + 12, type);
	return ETH_HDR_LEN;
}

char *mac_format(const struct mac_addr *m, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < ETH_ADDR_LEN; i++) {
		buf[3 * i] = hex[m->b[i] >> 4];
		buf[3 * i + 1] = hex[m->b[i] & 15];
		buf[3 * i + 2] = i == ETH_ADDR_LEN - 1 ? '\0' : ':';
	}
	return buf;
}

int mac_parse(const char *s, struct mac_addr *m)
{
	struct mac_addr out;
	char sep = 0;

	if (!s)
		return -1;
	for (int i = 0; i < ETH_ADDR_LEN; i++) {
		int hi = hex_digit_value(s[0]);
		int lo = hi < 0 ? -1 : hex_digit_value(s[1]);
		if (lo < 0)
			return -1;
		out.b[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i == ETH_ADDR_LEN - 1)
			break;
		if (*s != ':' && *s != '-')
			return -1;
		if (sep && *s != sep)
			return -1; /* mixed separators */
		sep = *s++;
	}
	if (*s != '\0')
		return -1;
	*m = out;
	return 0;
}
