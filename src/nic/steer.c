/* SPDX-License-Identifier: BSD-2-Clause */
/* Host shard steering (see steer.h). */
#include "nic/steer.h"

#include <string.h>

#include "util/siphash.h"
#include "wire/icmp_quote.h"
#include "wire/pkt.h"

/* endpoint (addr, port) as bytes: address then port, network order */
static int endpoint_cmp(const uint8_t *a, uint16_t aport, const uint8_t *b, uint16_t bport,
			size_t alen)
{
	int c = memcmp(a, b, alen);

	if (c)
		return c;
	return aport < bport ? -1 : aport > bport;
}

unsigned nic_steer_tuple(const struct nic_steer *s, const uint8_t *a, uint16_t aport,
			 const uint8_t *b, uint16_t bport, size_t alen)
{
	uint8_t buf[2 * 16 + 4];

	if (s->nshards <= 1 || (alen != 4 && alen != 16))
		return 0;
	if (endpoint_cmp(a, aport, b, bport, alen) > 0) {
		const uint8_t *t = a;
		uint16_t tp = aport;
		a = b;
		aport = bport;
		b = t;
		bport = tp;
	}
	memcpy(buf, a, alen);
	memcpy(buf + alen, b, alen);
	buf[2 * alen] = (uint8_t)(aport >> 8);
	buf[2 * alen + 1] = (uint8_t)aport;
	buf[2 * alen + 2] = (uint8_t)(bport >> 8);
	buf[2 * alen + 3] = (uint8_t)bport;
	uint64_t h = siphash24(s->key, buf, 2 * alen + 4);
	/* the high 32 bits scaled to [0, nshards): no modulo bias worth a thought at <= 8 */
	return nic_steer_live(s, (unsigned)(((h >> 32) * s->nshards) >> 32), (uint32_t)h);
}

unsigned nic_steer_live(const struct nic_steer *s, unsigned shard, uint32_t h)
{
	unsigned live = s->live & ((1u << s->nshards) - 1);
	if (!live || (live >> shard & 1))
		return shard;
	unsigned k = (unsigned)(((uint64_t)h * (unsigned)__builtin_popcount(live)) >> 32);
	for (unsigned i = 0; i < s->nshards; i++)
		if (live >> i & 1 && k-- == 0)
			return i;
	return shard; /* not reached */
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An ICMP or ICMPv6 error quoting a TCP segment: the shard of that connection (the quoted
 * segment is ours, server to client: the hash is symmetric). Anything else: shard 0. */
static unsigned steer_quote(const struct nic_steer *s, int v6, const uint8_t *data, size_t len)
{
	struct icmp_quote_tcp q;

	if (v6) {
		if (icmp_quote_tcp6(data, len, &q) != 0)
			return 0;
		return nic_steer_tuple(s, q.src6.b, q.sport, q.dst6.b, q.dport, 16);
	}
	if (icmp_quote_tcp4(data, len, &q) != 0)
		return 0;
	uint8_t sa[4], da[4];
	put_be32(sa, q.saddr);
	put_be32(da, q.daddr);
	return nic_steer_tuple(s, sa, q.sport, da, q.dport, 4);
}

static unsigned steer_frame(const struct nic_steer *s, const uint8_t *frame, size_t len)
{
	struct pkt_view v;

	if (s->nshards <= 1 || pkt_decode_eth(frame, len, &v, PKT_NO_CSUM_CHECK) != PKT_OK)
		return 0;
	switch (v.kind) {
	case PKT_KIND_TCP: {
		uint8_t sa[4], da[4];
		put_be32(sa, v.ip.saddr);
		put_be32(da, v.ip.daddr);
		return nic_steer_tuple(s, sa, v.tcp.sport, da, v.tcp.dport, 4);
	}
	case PKT_KIND_TCP6:
		return nic_steer_tuple(s, v.ip6.src.b, v.tcp.sport, v.ip6.dst.b, v.tcp.dport, 16);
	case PKT_KIND_ARP:
		return v.arp.op == ARP_OP_REPLY ? NIC_STEER_ALL : 0;
	case PKT_KIND_ICMP:
		if (v.icmp.type == ICMP_TYPE_UNREACH || v.icmp.type == ICMP_TYPE_TIME_EXCEED)
			return steer_quote(s, 0, v.icmp.data, v.icmp.data_len);
		return 0;
	case PKT_KIND_ICMP6:
		if (v.icmp6.type == ICMP6_ND_NA)
			return NIC_STEER_ALL;
		if (icmp6_is_error(v.icmp6.type))
			return steer_quote(s, 1, v.icmp6.data, v.icmp6.data_len);
		return 0;
	default:
		return 0;
	}
}

unsigned nic_steer_frame(const struct nic_steer *s, const uint8_t *frame, size_t len)
{
	unsigned to = steer_frame(s, frame, len);
	/* shard 0's work (ARP and ND requests, echo, what does not decode) to the first live
	 * shard while shard 0 is down; a TCP shard is live already */
	return to == NIC_STEER_ALL ? to : nic_steer_live(s, to, 0);
}
