/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for src/wire: whole-packet decode (Ethernet, raw IPv4 and raw IPv6, with and
 * without checksum verification), the TCP header codec, the IPv6 extension-header walk,
 * ICMPv6 and Neighbor Discovery, and round-trip properties:
 *  - a decoded TCP header re-encodes and decodes to the same fields;
 *  - a decoded TCP packet rebuilt with pkt_build_tcp decodes (checksums verified) to the
 *    same header and payload;
 *  - ARP re-encodes to the same message, ICMP and ICMPv6 echo requests get a verifying reply;
 *  - an NS/NA that validates re-encodes and validates to the same target, flags and address;
 *  - the IPv6 walk never ends past the payload length, which never ends past the input;
 *  - csum_partial agrees with a naive RFC 1071 sum;
 *  - the TCP segment quoted by an ICMP error decodes only from bytes that are there.
 * Any violation is a __builtin_trap(). */
#include <stdint.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmp_quote.h"
#include "wire/nd.h"
#include "wire/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

static int same_tcp(const struct tcp_hdr *a, const struct tcp_hdr *b)
{
	if (a->sport != b->sport || a->dport != b->dport || a->seq != b->seq || a->ack != b->ack ||
	    a->flags != b->flags || a->hlen != b->hlen || a->wnd != b->wnd || a->urp != b->urp ||
	    a->opts.present != b->opts.present)
		return 0;
	const struct tcp_opts *x = &a->opts, *y = &b->opts;
	if ((x->present & TCP_OPT_F_MSS) && x->mss != y->mss)
		return 0;
	if ((x->present & TCP_OPT_F_WSCALE) && x->wscale != y->wscale)
		return 0;
	if ((x->present & TCP_OPT_F_TS) && (x->ts_val != y->ts_val || x->ts_ecr != y->ts_ecr))
		return 0;
	if (x->present & TCP_OPT_F_SACK) {
		if (x->nsack != y->nsack || x->nsack == 0 || x->nsack > TCP_MAX_SACK)
			return 0;
		for (unsigned i = 0; i < x->nsack; i++)
			if (x->sack[i].start != y->sack[i].start ||
			    x->sack[i].end != y->sack[i].end)
				return 0;
	}
	return 1;
}

/* Decode, re-encode, decode: fields must match what the encoder kept (it may trim SACK
 * blocks that no longer fit with its aligned layout and says so in opts.nsack). */
static void tcp_round_trip(const uint8_t *p, size_t len)
{
	struct tcp_hdr h, d;
	int r = tcp_hdr_decode(p, len, &h);
	if (r < 0) {
		REQUIRE(r == TCP_HDR_ETRUNC || r == TCP_HDR_EDOFF || r == TCP_HDR_EOPT);
		return;
	}
	REQUIRE(r >= TCP_HDR_MIN && r <= TCP_HDR_MAX && (size_t)r <= len && r == h.hlen);
	REQUIRE(h.opts.wscale <= 14);
	uint8_t buf[TCP_HDR_MAX];
	size_t olen = tcp_opts_len(&h.opts);
	size_t n = tcp_hdr_encode(buf, sizeof(buf), &h);
	REQUIRE(n == TCP_HDR_MIN + olen && n % 4 == 0 && n <= TCP_HDR_MAX && n == h.hlen);
	REQUIRE(tcp_hdr_decode(buf, n, &d) == (int)n);
	REQUIRE(same_tcp(&h, &d) && d.csum == h.csum);
}

static void check_view(const struct pkt_view *v, enum pkt_err e, const uint8_t *base, size_t size)
{
	REQUIRE((unsigned)e < PKT_E_MAX);
	REQUIRE(pkt_strerror(e) != NULL && pkt_err_name(e) != NULL);
	if (e != PKT_OK)
		return;
	const uint8_t *end = base + size;
	REQUIRE(v->payload >= base && v->payload <= end);
	REQUIRE(v->payload_len <= (size_t)(end - v->payload));
	if (v->kind == PKT_KIND_TCP || v->kind == PKT_KIND_ICMP) {
		REQUIRE(v->l3 >= base && v->l3_len <= (size_t)(end - v->l3));
		REQUIRE(v->l4 > v->l3 && v->l4 + v->l4_len == v->l3 + v->l3_len);
		REQUIRE(v->payload + v->payload_len == v->l4 + v->l4_len);
		REQUIRE(!ipv4_is_fragment(&v->ip));
	}
	if (v->kind == PKT_KIND_TCP6 || v->kind == PKT_KIND_ICMP6) {
		REQUIRE(v->l3 >= base && v->l3_len <= (size_t)(end - v->l3));
		REQUIRE(v->l3_len == IPV6_HDR_LEN + (size_t)v->ip6.plen);
		REQUIRE(v->l4 == v->l3 + v->ip6.hlen && v->l4 + v->l4_len == v->l3 + v->l3_len);
		REQUIRE(v->payload + v->payload_len == v->l4 + v->l4_len);
	}
}

/* Rebuild a decoded TCP packet and decode it again with every checksum verified. */
static void tcp_rebuild(const struct pkt_view *v)
{
	static uint8_t buf[65536 + 64];
	struct tcp_hdr h = v->tcp;
	struct iovec iov[2];
	size_t half = v->payload_len / 2 + (v->payload_len & 1); /* odd split point */
	iov[0].iov_base = (void *)(uintptr_t)v->payload;
	iov[0].iov_len = half;
	iov[1].iov_base = (void *)(uintptr_t)(v->payload + half);
	iov[1].iov_len = v->payload_len - half;
	const bool v6 = v->kind == PKT_KIND_TCP6;
	struct pkt_tcp_out o = {
	    .src_mac = v->has_eth ? &v->eth.src : NULL,
	    .dst_mac = v->has_eth ? &v->eth.dst : NULL,
	    .saddr = v->ip.saddr,
	    .daddr = v->ip.daddr,
	    .src6 = v6 ? &v->ip6.src : NULL,
	    .dst6 = v6 ? &v->ip6.dst : NULL,
	    .ttl = v6 ? v->ip6.hlim : v->ip.ttl,
	    .tos = v6 ? v->ip6.tclass : v->ip.tos,
	    .flow = v6 ? v->ip6.flow : 0,
	    .ip_id = v->ip.id,
	    .ip_frag_off = v->ip.frag_off,
	    .tcp = &h,
	    .iov = iov,
	    .iovcnt = 2,
	};
	size_t n = pkt_build_tcp(buf, sizeof(buf), &o);
	size_t l2 = v->has_eth ? ETH_HDR_LEN : 0, l3 = v6 ? IPV6_HDR_LEN : IPV4_HDR_MIN;
	size_t want = l2 + l3 + h.hlen + v->payload_len;
	/* IP options or IPv6 extension headers were dropped, TCP options may grow: the
	 * length field can overflow. */
	if (want - l2 - (v6 ? IPV6_HDR_LEN : 0) > IPV4_MAX_LEN) {
		REQUIRE(n == 0);
		return;
	}
	REQUIRE(n == want);
	struct pkt_view d;
	enum pkt_err e = v->has_eth ? pkt_decode_eth(buf, n, &d, 0)
			 : v6	    ? pkt_decode_ipv6(buf, n, &d, 0)
				    : pkt_decode_ipv4(buf, n, &d, 0);
	REQUIRE(e == PKT_OK && d.kind == v->kind);
	REQUIRE(same_tcp(&h, &d.tcp) && d.tcp.csum == h.csum);
	if (v6)
		REQUIRE(ipv6_addr_equal(&d.ip6.src, &v->ip6.src) &&
			ipv6_addr_equal(&d.ip6.dst, &v->ip6.dst) && d.ip6.hlim == v->ip6.hlim &&
			d.ip6.flow == v->ip6.flow && d.ip6.tclass == v->ip6.tclass);
	else
		REQUIRE(d.ip.saddr == v->ip.saddr && d.ip.daddr == v->ip.daddr &&
			d.ip.ttl == v->ip.ttl);
	REQUIRE(d.payload_len == v->payload_len);
	REQUIRE(v->payload_len == 0 || memcmp(d.payload, v->payload, v->payload_len) == 0);
}

/* A validated NS/NA, rebuilt with our encoder, validates again to the same fields. */
static void nd_round_trip(const struct pkt_view *v)
{
	struct nd_msg nd, d;
	int r = nd_decode(&v->ip6, &v->icmp6, &nd);
	REQUIRE(r <= 0 && nd_strerror(r) != NULL);
	if (r < 0)
		return;
	uint8_t msg[ND_MSG_LEN + ND_LLA_OPT_LEN];
	size_t n = nd.type == ICMP6_ND_NS
		       ? nd_encode_ns(msg, sizeof(msg), &v->ip6.src, &v->ip6.dst, &nd.target,
				      nd.has_lla ? &nd.lla : NULL)
		       : nd_encode_na(msg, sizeof(msg), &v->ip6.src, &v->ip6.dst, &nd.target,
				      nd.flags, nd.has_lla ? &nd.lla : NULL);
	REQUIRE(n == ND_MSG_LEN + (nd.has_lla ? ND_LLA_OPT_LEN : 0));
	struct icmp6_msg m;
	REQUIRE(icmp6_decode(msg, n, &v->ip6.src, &v->ip6.dst, &m, true) == 0);
	REQUIRE(nd_decode(&v->ip6, &m, &d) == 0);
	REQUIRE(d.type == nd.type && d.flags == nd.flags && ipv6_addr_equal(&d.target, &nd.target));
	REQUIRE(d.has_lla == nd.has_lla && (!d.has_lla || mac_equal(&d.lla, &nd.lla)));
}

/* The extension-header walk stays inside the payload, and the payload inside the input. */
static void ipv6_walk(const uint8_t *p, size_t len)
{
	struct ipv6_hdr h;
	int r = ipv6_decode(p, len, &h);
	REQUIRE(ipv6_strerror(r) != NULL);
	if (r < 0) {
		REQUIRE(r == IPV6_E_TRUNC || r == IPV6_E_VERSION || r == IPV6_E_EXT ||
			r == IPV6_E_FRAG);
		return;
	}
	REQUIRE(r == h.hlen && r >= IPV6_HDR_LEN && (size_t)r <= IPV6_HDR_LEN + (size_t)h.plen);
	REQUIRE(IPV6_HDR_LEN + (size_t)h.plen <= len);
	REQUIRE((r - IPV6_HDR_LEN) % 8 == 0 && r <= IPV6_HDR_LEN + IPV6_EXT_MAX * 2048);
}

static void other_round_trips(const struct pkt_view *v)
{
	uint8_t buf[65536 + 64];
	if (v->kind == PKT_KIND_ARP) {
		uint8_t a[ARP_LEN];
		struct arp_pkt d;
		REQUIRE(arp_encode(a, sizeof(a), &v->arp) == ARP_LEN);
		REQUIRE(arp_decode(a, sizeof(a), &d) == 0);
		REQUIRE(memcmp(a, v->l3, ARP_LEN) == 0);
	} else if (v->kind == PKT_KIND_ICMP && v->icmp.type == ICMP_TYPE_ECHO_REQUEST) {
		struct mac_addr me = {{2, 0, 0, 0, 0, 1}};
		size_t n = pkt_build_icmp_echo_reply(buf, sizeof(buf), v, &me, 64, 1);
		REQUIRE(n > 0);
		struct pkt_view r;
		enum pkt_err e =
		    v->has_eth ? pkt_decode_eth(buf, n, &r, 0) : pkt_decode_ipv4(buf, n, &r, 0);
		REQUIRE(e == PKT_OK && r.kind == PKT_KIND_ICMP && r.icmp.type == 0);
		REQUIRE(r.icmp.id == v->icmp.id && r.icmp.seq == v->icmp.seq);
		REQUIRE(r.payload_len == v->payload_len);
	} else if (v->kind == PKT_KIND_ICMP6 && v->icmp6.type == ICMP6_ECHO_REQUEST) {
		struct mac_addr me = {{2, 0, 0, 0, 0, 1}};
		struct ipv6_addr my = {{0x20, 0x01, 0, 2, [15] = 1}};
		size_t n = pkt_build_icmp6_echo_reply(buf, sizeof(buf), v, &me, &my, 64);
		REQUIRE(n > 0);
		struct pkt_view r;
		enum pkt_err e =
		    v->has_eth ? pkt_decode_eth(buf, n, &r, 0) : pkt_decode_ipv6(buf, n, &r, 0);
		REQUIRE(e == PKT_OK && r.kind == PKT_KIND_ICMP6);
		REQUIRE(r.icmp6.type == ICMP6_ECHO_REPLY && r.icmp6.id == v->icmp6.id &&
			r.icmp6.seq == v->icmp6.seq && r.payload_len == v->payload_len);
	} else if (v->kind == PKT_KIND_ICMP6) {
		nd_round_trip(v);
	}
}

static void csum_property(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	REQUIRE(inet_csum(p, len) == (uint16_t)~s);
}

/* The invoking packet of an ICMP error: either an error, or fields read from inside it. */
static void quote_property(const uint8_t *p, size_t len)
{
	struct icmp_quote_tcp q;
	int r = icmp_quote_tcp4(p, len, &q);
	REQUIRE(r <= 0 && icmp_quote_strerror(r) != NULL);
	if (r == 0)
		REQUIRE(q.version == 4 && len >= (size_t)(p[0] & 0x0f) * 4 + 8 && p[9] == 6);
	r = icmp_quote_tcp6(p, len, &q);
	REQUIRE(r <= 0 && icmp_quote_strerror(r) != NULL);
	if (r == 0)
		REQUIRE(q.version == 6 && len >= IPV6_HDR_LEN + 8 && q.seq == get_be32(p + 44));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	quote_property(data, size);
	static const unsigned flag_sets[] = {0, PKT_NO_CSUM_CHECK};
	struct pkt_view v;

	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		enum pkt_err e = pkt_decode_eth(data, size, &v, flag_sets[i]);
		check_view(&v, e, data, size);
		if (e == PKT_OK && (v.kind == PKT_KIND_TCP || v.kind == PKT_KIND_TCP6)) {
			tcp_round_trip(v.l4, v.l4_len);
			tcp_rebuild(&v);
		} else if (e == PKT_OK) {
			other_round_trips(&v);
		}
		e = pkt_decode_ipv4(data, size, &v, flag_sets[i]);
		check_view(&v, e, data, size);
		if (e == PKT_OK && v.kind == PKT_KIND_TCP)
			tcp_rebuild(&v);
		else if (e == PKT_OK)
			other_round_trips(&v);
		e = pkt_decode_ipv6(data, size, &v, flag_sets[i]);
		check_view(&v, e, data, size);
		if (e == PKT_OK && v.kind == PKT_KIND_TCP6)
			tcp_rebuild(&v);
		else if (e == PKT_OK)
			other_round_trips(&v);
	}
	ipv6_walk(data, size);
	if (size > 14)
		ipv6_walk(data + 14, size - 14);
	tcp_round_trip(data, size);
	if (size > 14)
		tcp_round_trip(data + 14, size - 14);
	csum_property(data, size < 4096 ? size : 4096);
	return 0;
}
