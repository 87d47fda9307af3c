/* SPDX-License-Identifier: BSD-2-Clause */
/* Checksum completion and corruption of Ethernet frames. */
#include "frame_edit.h"

#define ETH_HLEN_	14
#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_VLAN	0x8100
#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_ICMPV6_ 58

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int frame_finish_csum(uint8_t *frame, size_t len, size_t start, size_t offset)
{
	uint64_t sum = 0;
	size_t i;

	if (start > len || offset + 2 > len - start)
		return -1;
	for (i = start; i + 1 < len; i += 2)
		sum += get16(frame + i);
	if (i < len)
		sum += (uint32_t)frame[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (sum == 0)
		sum = 0xffff; /* RFC 768: zero means "no checksum" for UDP; same value for TCP */
	frame[start + offset] = (uint8_t)(sum >> 8);
	frame[start + offset + 1] = (uint8_t)sum;
	return 0;
}

long frame_corrupt(uint8_t *frame, size_t len, struct rng *r)
{
	size_t l3 = ETH_HLEN_, l4, end;
	uint16_t type;
	uint8_t proto;
	size_t pos;

	if (len < ETH_HLEN_)
		return -1;
	type = get16(frame + 12);
	if (type == ETHERTYPE_VLAN) {
		if (len < ETH_HLEN_ + 4)
			return -1;
		type = get16(frame + 16);
		l3 += 4;
	}
	if (type == ETHERTYPE_IPV4) {
		size_t ihl;

		if (len < l3 + 20 || (frame[l3] >> 4) != 4)
			return -1;
		ihl = (size_t)(frame[l3] & 0x0f) * 4;
		proto = frame[l3 + 9];
		l4 = l3 + ihl;
		end = l3 + get16(frame + l3 + 2);
		if (ihl < 20 || (get16(frame + l3 + 6) & 0x1fff) != 0)
			return -1; /* not the first fragment: no transport header here */
	} else if (type == ETHERTYPE_IPV6) {
		if (len < l3 + 40 || (frame[l3] >> 4) != 6)
			return -1;
		proto = frame[l3 + 6];
		l4 = l3 + 40;
		end = l4 + get16(frame + l3 + 4);
	} else {
		return -1;
	}
	if (end > len)
		end = len;
	if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_ && proto != IPPROTO_ICMP_ &&
	    proto != IPPROTO_ICMPV6_)
		return -1;
	if (l4 >= end)
		return -1;
	if (proto == IPPROTO_UDP_ && type == ETHERTYPE_IPV4 &&
	    (end - l4 < 8 || get16(frame + l4 + 6) == 0))
		return -1; /* RFC 768: a zero checksum means none was computed */
	pos = l4 + (size_t)rng_below(r, end - l4);
	frame[pos] ^= (uint8_t)(1u << rng_below(r, 8));
	return (long)pos;
}
