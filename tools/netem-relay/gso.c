/* SPDX-License-Identifier: BSD-2-Clause */
/* GSO frames cut into segments: see gso.h. */
#include "gso.h"

#include <string.h>

#include "frame_edit.h"

#define ETH_HLEN_      14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_TCP_   6
#define TH_FIN_	       0x01
#define TH_PSH_	       0x08
#define TH_CWR_	       0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* RFC 1071 sum of n bytes, not folded. */
static uint32_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (; n > 1; p += 2, n -= 2)
		s += get16(p);
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int gso_parse(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len,
	      struct gso_frame *g)
{
	uint8_t type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	size_t l3 = ETH_HLEN_, ihl;
	if ((type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    vh->gso_size == 0 || len < ETH_HLEN_ + 20)
		return -1;
	g->v6 = type == VIRTIO_NET_HDR_GSO_TCPV6;
	if (g->v6) { /* TCP right after the fixed header; extension headers are not cut */
		ihl = 40;
		if (get16(frame + 12) != ETHERTYPE_IPV6 || len < l3 + ihl + 20 ||
		    (frame[l3] >> 4) != 6 || frame[l3 + 6] != IPPROTO_TCP_)
			return -1;
	} else {
		ihl = (size_t)(frame[l3] & 0x0f) * 4;
		if (get16(frame + 12) != ETHERTYPE_IPV4 || (frame[l3] >> 4) != 4 || ihl < 20 ||
		    frame[l3 + 9] != IPPROTO_TCP_ || len < l3 + ihl + 20)
			return -1;
	}
	size_t l4 = l3 + ihl, thl = (size_t)(frame[l4 + 12] >> 4) * 4;
	if (thl < 20 || len < l4 + thl)
		return -1;
	g->l3 = l3;
	g->l4 = l4;
	g->hlen = l4 + thl;
	g->plen = len - g->hlen;
	g->mss = vh->gso_size;
	if (g->plen == 0)
		return -1;
	g->nseg = (unsigned)((g->plen + g->mss - 1) / g->mss);
	return g->nseg <= GSO_SEG_MAX ? 0 : -1;
}

size_t gso_segment(const struct gso_frame *g, const uint8_t *frame, unsigned k, uint8_t *out,
		   size_t cap)
{
	size_t off = (size_t)k * g->mss;
	size_t n = g->plen - off < g->mss ? g->plen - off : g->mss;
	size_t len = g->hlen + n;
	if (k >= g->nseg || len > cap)
		return 0;
	memcpy(out, frame, g->hlen);
	memcpy(out + g->hlen, frame + g->hlen + off, n);
	uint8_t *ip = out + g->l3, *th = out + g->l4;
	size_t ihl = g->l4 - g->l3;
	if (g->v6) {
		/* IPv6: payload length (no header checksum, no id) */
		put16(ip + 4, (uint16_t)(len - g->l4));
	} else {
		/* IPv4: total length, id, header checksum */
		put16(ip + 2, (uint16_t)(len - g->l3));
		put16(ip + 4, (uint16_t)(get16(ip + 4) + k));
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~fold(sum16(ip, ihl)));
	}
	/* TCP: sequence, flags, checksum over the pseudo-header (RFC 9293 3.1) and segment */
	put32(th + 4, get32(th + 4) + (uint32_t)off);
	if (k != g->nseg - 1)
		th[13] &= (uint8_t)~(TH_FIN_ | TH_PSH_);
	if (k != 0)
		th[13] &= (uint8_t)~TH_CWR_;
	size_t tcp_len = len - g->l4;
	/* pseudo-header: RFC 9293 3.1 (IPv4), RFC 8200 section 8.1 (IPv6) */
	uint32_t pseudo = (g->v6 ? sum16(ip + 8, 32) : sum16(ip + 12, 8)) + IPPROTO_TCP_ +
			  (uint32_t)tcp_len;
	put16(th + 16, fold(pseudo));
	frame_finish_csum(out, len, g->l4, 16);
	return len;
}
