/* SPDX-License-Identifier: BSD-2-Clause */
/* Host shard steering (src/nic/steer.h): the hash is symmetric (both directions of a
 * connection, IPv4 and IPv6, pick the same shard), depends on the key, spreads connections
 * evenly enough over 2 and 4 shards; frames: TCP by the hash, ARP replies and Neighbor
 * Advertisements to every shard, ARP requests, Neighbor Solicitations, ICMP and frames that do
 * not decode to shard 0; ICMP/ICMPv6 errors quoting a connection's segment to that
 * connection's shard, echo requests to shard 0; one shard: always 0; a shard whose host is
 * down is skipped (its connections spread over the live shards, the live shards' connections
 * stay, shard 0's work goes to the first live shard). */
#include <string.h>

#include "../check.h"
#include "nic/steer.h"
#include "wire/icmp_quote.h"
#include "wire/nd.h"
#include "wire/pkt.h"

static const struct mac_addr M_NIC = {{2, 0, 0, 0, 0, 1}}, M_CLI = {{2, 0, 0, 0, 0, 2}};
static const struct ipv6_addr SERVER6 = {{0x20, 0x01, 0, 2, [15] = 1}};

static struct nic_steer steer(unsigned n, uint8_t k)
{
	struct nic_steer s = {.nshards = n};
	for (unsigned i = 0; i < sizeof(s.key); i++)
		s.key[i] = (uint8_t)(k + 7 * i);
	return s;
}

static struct ipv6_addr client6(unsigned i)
{
	struct ipv6_addr a = {
	    {0x20, 0x01, 0,
	     2, [13] = (uint8_t)(i >> 16), [14] = (uint8_t)(i >> 8), [15] = (uint8_t)i}};
	a.b[12] = 0x10; /* never the server's address */
	return a;
}

/* A TCP frame from (saddr/src6, sport) to (daddr/dst6, dport). */
static size_t tcp_frame(uint8_t *buf, size_t cap, uint32_t saddr, uint32_t daddr,
			const struct ipv6_addr *src6, const struct ipv6_addr *dst6, uint16_t sport,
			uint16_t dport)
{
	struct tcp_hdr h = {
	    .sport = sport, .dport = dport, .seq = 1, .flags = TH_SYN, .wnd = 65535};
	struct pkt_tcp_out o = {.src_mac = &M_CLI,
				.dst_mac = &M_NIC,
				.saddr = saddr,
				.daddr = daddr,
				.src6 = src6,
				.dst6 = dst6,
				.ttl = 64,
				.tcp = &h};
	return pkt_build_tcp(buf, cap, &o);
}

static void test_symmetric(void)
{
	struct nic_steer s = steer(4, 1);
	uint8_t f[256], r[256];

	for (unsigned i = 0; i < 2000; i++) {
		uint32_t cli = 0xc6120002u + (i % 7), srv = 0xc6120001u;
		uint16_t cport = (uint16_t)(10000 + i), sport = i & 1 ? 80 : 443;
		size_t fl = tcp_frame(f, sizeof(f), cli, srv, NULL, NULL, cport, sport);
		size_t rl = tcp_frame(r, sizeof(r), srv, cli, NULL, NULL, sport, cport);
		unsigned a = nic_steer_frame(&s, f, fl), b = nic_steer_frame(&s, r, rl);
		CHECK(fl > 0 && rl > 0);
		CHECK(a < 4);
		CHECK_EQ_U64(a, b);
		struct ipv6_addr c6 = client6(i);
		fl = tcp_frame(f, sizeof(f), 0, 0, &c6, &SERVER6, cport, sport);
		rl = tcp_frame(r, sizeof(r), 0, 0, &SERVER6, &c6, sport, cport);
		a = nic_steer_frame(&s, f, fl);
		b = nic_steer_frame(&s, r, rl);
		CHECK(fl > 0 && rl > 0);
		CHECK(a < 4);
		CHECK_EQ_U64(a, b);
	}
	/* the same endpoints with the ports swapped are another connection: not forced equal,
	 * but a tuple and its mirror always are */
	uint8_t x[4] = {198, 18, 0, 1}, y[4] = {198, 18, 0, 2};
	CHECK_EQ_U64(nic_steer_tuple(&s, x, 1, y, 2, 4), nic_steer_tuple(&s, y, 2, x, 1, 4));
	CHECK_EQ_U64(nic_steer_tuple(&s, x, 5, x, 6, 4), nic_steer_tuple(&s, x, 6, x, 5, 4));
}

/* n shards, 4000 connections per family: each shard gets its share within 15%. */
static void spread(unsigned n)
{
	struct nic_steer s = steer(n, 3);
	unsigned count4[NIC_STEER_MAX_SHARDS] = {0}, count6[NIC_STEER_MAX_SHARDS] = {0};
	const unsigned conns = 4000;
	uint8_t srv[4] = {198, 18, 0, 1};

	for (unsigned i = 0; i < conns; i++) {
		uint8_t cli[4] = {198, 18, 0, (uint8_t)(2 + i % 3)};
		uint16_t cport = (uint16_t)(32768 + i);
		unsigned a = nic_steer_tuple(&s, cli, cport, srv, 80, 4);
		struct ipv6_addr c6 = client6(i % 3);
		unsigned b = nic_steer_tuple(&s, c6.b, cport, SERVER6.b, 80, 16);
		CHECK(a < n && b < n);
		count4[a < n ? a : 0]++;
		count6[b < n ? b : 0]++;
	}
	for (unsigned k = 0; k < n; k++) {
		unsigned lo = conns / n * 85 / 100, hi = conns / n * 115 / 100;
		printf("%u shards: shard %u has %u IPv4, %u IPv6 connections of %u\n", n, k,
		       count4[k], count6[k], conns);
		CHECK(count4[k] >= lo && count4[k] <= hi);
		CHECK(count6[k] >= lo && count6[k] <= hi);
	}
}

static void test_spread(void)
{
	spread(2);
	spread(4);
}

/* Another key moves connections: the hash is keyed. */
static void test_keyed(void)
{
	struct nic_steer a = steer(4, 1), b = steer(4, 99);
	uint8_t cli[4] = {198, 18, 0, 2}, srv[4] = {198, 18, 0, 1};
	unsigned differ = 0;

	for (unsigned i = 0; i < 400; i++) {
		uint16_t cport = (uint16_t)(40000 + i);
		differ += nic_steer_tuple(&a, cli, cport, srv, 80, 4) !=
			  nic_steer_tuple(&b, cli, cport, srv, 80, 4);
	}
	printf("another key: %u of 400 connections on another shard\n", differ);
	CHECK(differ > 200); /* 3/4 expected */
}

static void test_frames(void)
{
	struct nic_steer s = steer(4, 5), one = steer(1, 5);
	uint8_t f[256];
	size_t len;

	/* ARP: requests to shard 0, replies to all */
	struct arp_pkt req = {
	    .op = ARP_OP_REQUEST, .sha = M_CLI, .spa = 0xc6120002u, .tpa = 0xc6120001u};
	struct mac_addr bc = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	len = pkt_build_arp(f, sizeof(f), &M_CLI, &bc, &req);
	CHECK(len > 0);
	CHECK_EQ_U64(nic_steer_frame(&s, f, len), 0);
	struct arp_pkt rep = {
	    .op = ARP_OP_REPLY, .sha = M_CLI, .tha = M_NIC, .spa = 0xc6120002u, .tpa = 0xc6120001u};
	len = pkt_build_arp(f, sizeof(f), &M_CLI, &M_NIC, &rep);
	CHECK(len > 0);
	CHECK_EQ_U64(nic_steer_frame(&s, f, len), NIC_STEER_ALL);
	CHECK_EQ_U64(nic_steer_frame(&one, f, len), 0);

	/* ND: solicitations to shard 0, advertisements to all */
	uint8_t l4[128];
	struct ipv6_addr c6 = client6(1);
	size_t n = nd_encode_ns(l4, sizeof(l4), &c6, &SERVER6, &SERVER6, &M_CLI);
	len = pkt_build_ipv6(f, sizeof(f), &M_CLI, &M_NIC, &c6, &SERVER6, 58, 255, 0, l4, n);
	CHECK(n > 0 && len > 0);
	CHECK_EQ_U64(nic_steer_frame(&s, f, len), 0);
	n = nd_encode_na(l4, sizeof(l4), &c6, &SERVER6, &c6, ND_NA_SOLICITED | ND_NA_OVERRIDE,
			 &M_CLI);
	len = pkt_build_ipv6(f, sizeof(f), &M_CLI, &M_NIC, &c6, &SERVER6, 58, 255, 0, l4, n);
	CHECK(n > 0 && len > 0);
	CHECK_EQ_U64(nic_steer_frame(&s, f, len), NIC_STEER_ALL);

	/* garbage and runts to shard 0; one shard: always 0 */
	memset(f, 0xee, sizeof(f));
	CHECK_EQ_U64(nic_steer_frame(&s, f, sizeof(f)), 0);
	CHECK_EQ_U64(nic_steer_frame(&s, f, 3), 0);
	unsigned hit[4] = {0};
	for (unsigned i = 0; i < 64; i++) {
		len = tcp_frame(f, sizeof(f), 0xc6120002u, 0xc6120001u, NULL, NULL,
				(uint16_t)(50000 + i), 80);
		CHECK_EQ_U64(nic_steer_frame(&one, f, len), 0);
		unsigned k = nic_steer_frame(&s, f, len);
		CHECK(k < 4);
		hit[k & 3]++;
	}
	CHECK(hit[0] && hit[1] && hit[2] && hit[3]);
}

/* An IPv4 ICMP error (type, code) from a router quoting the first 28 bytes of pkt. */
static size_t icmp4_error(uint8_t *f, size_t cap, uint8_t type, uint8_t code, const uint8_t *pkt)
{
	size_t n = 14 + 20 + 8 + 28;
	if (cap < n)
		return 0;
	memcpy(f, M_NIC.b, 6);
	memcpy(f + 6, M_CLI.b, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	struct ipv4_hdr h = {.tot_len = 20 + 8 + 28,
			     .ttl = 64,
			     .proto = 1,
			     .saddr = 0xc6120063u,
			     .daddr = 0xc6120001u};
	ipv4_encode(f + 14, 20, &h);
	uint8_t *m = f + 34;
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	m[6] = 0x05; /* next-hop MTU 1400 */
	m[7] = 0x78;
	memcpy(m + 8, pkt, 28);
	return n;
}

static void test_icmp_errors(void)
{
	struct nic_steer s = steer(4, 9);
	uint8_t seg[256], f[512], l4[512];
	unsigned hit[4] = {0};

	for (unsigned i = 0; i < 200; i++) {
		uint16_t cport = (uint16_t)(20000 + 7 * i);
		/* our segment (server to client, raw IPv4) and the client's shard */
		size_t sl =
		    tcp_frame(seg, sizeof(seg), 0xc6120001u, 0xc6120002u, NULL, NULL, 80, cport);
		size_t cl =
		    tcp_frame(f, sizeof(f), 0xc6120002u, 0xc6120001u, NULL, NULL, cport, 80);
		unsigned want = nic_steer_frame(&s, f, cl);
		CHECK(sl > 14 + 28);
		size_t el =
		    icmp4_error(f, sizeof(f), ICMP_TYPE_UNREACH, ICMP_CODE_FRAG_NEEDED, seg + 14);
		CHECK(el > 0);
		CHECK_EQ_U64(nic_steer_frame(&s, f, el), want);
		el = icmp4_error(f, sizeof(f), ICMP_TYPE_TIME_EXCEED, 0, seg + 14);
		CHECK_EQ_U64(nic_steer_frame(&s, f, el), want);
		hit[want & 3]++;
		/* IPv6: Packet Too Big quoting our segment */
		struct ipv6_addr c6 = client6(i), r6 = client6(999);
		sl = tcp_frame(seg, sizeof(seg), 0, 0, &SERVER6, &c6, 80, cport);
		cl = tcp_frame(f, sizeof(f), 0, 0, &c6, &SERVER6, cport, 80);
		want = nic_steer_frame(&s, f, cl);
		size_t n = icmp6_encode_ptb(l4, sizeof(l4), &r6, &SERVER6, 1280, seg + 14, sl - 14);
		el = pkt_build_ipv6(f, sizeof(f), &M_CLI, &M_NIC, &r6, &SERVER6, 58, 64, 0, l4, n);
		CHECK(n > 0 && el > 0);
		CHECK_EQ_U64(nic_steer_frame(&s, f, el), want);
	}
	CHECK(hit[0] && hit[1] && hit[2] && hit[3]);
	/* an echo request (whatever its data), and an error quoting something that is not TCP:
	 * shard 0 */
	size_t el = icmp4_error(f, sizeof(f), ICMP_TYPE_ECHO_REQUEST, 0, seg + 14);
	CHECK(el > 0);
	CHECK_EQ_U64(nic_steer_frame(&s, f, el), 0);
	memset(seg, 0, sizeof(seg));
	el = icmp4_error(f, sizeof(f), ICMP_TYPE_UNREACH, 3, seg);
	CHECK_EQ_U64(nic_steer_frame(&s, f, el), 0);
}

/* 4 shards, shard 2 down (then shard 0 down): what hashed to a live shard stays there; what
 * hashed to the dead shard goes to a live one, spread over them; nothing known: every shard. */
static void test_live(void)
{
	struct nic_steer all = steer(4, 9), s = steer(4, 9);
	uint8_t srv[4] = {198, 18, 0, 1};
	unsigned moved[NIC_STEER_MAX_SHARDS] = {0}, nmoved = 0;

	s.live = 0xf & ~(1u << 2);
	for (unsigned i = 0; i < 4000; i++) {
		uint8_t cli[4] = {198, 18, 0, (uint8_t)(2 + i % 3)};
		uint16_t cport = (uint16_t)(20000 + i);
		unsigned a = nic_steer_tuple(&all, cli, cport, srv, 80, 4);
		unsigned b = nic_steer_tuple(&s, cli, cport, srv, 80, 4);
		CHECK(b < 4 && b != 2);
		if (a != 2) {
			CHECK_EQ_U64(a, b);
		} else {
			CHECK_EQ_U64(b,
				     nic_steer_tuple(&s, srv, 80, cli, cport, 4)); /* symmetric */
			moved[b < 4 ? b : 0]++;
			nmoved++;
		}
	}
	printf("shard 2 down: %u connections moved: %u, %u, -, %u\n", nmoved, moved[0], moved[1],
	       moved[3]);
	CHECK(nmoved > 800);
	for (unsigned k = 0; k < 4; k++)
		if (k != 2)
			CHECK(moved[k] > nmoved / 3 * 70 / 100);
	/* shard 0 down: its share of the frames (an ARP request here) to the first live one */
	uint8_t f[128];
	struct arp_pkt req = {
	    .op = ARP_OP_REQUEST, .sha = M_CLI, .spa = 0xc6120002u, .tpa = 0xc6120001u};
	struct mac_addr bc = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	size_t n = pkt_build_arp(f, sizeof(f), &M_CLI, &bc, &req);
	CHECK(n > 0);
	CHECK_EQ_U64(nic_steer_frame(&all, f, n), 0);
	s.live = 0xe;
	CHECK_EQ_U64(nic_steer_frame(&s, f, n), 1);
	s.live = 0x8;
	CHECK_EQ_U64(nic_steer_frame(&s, f, n), 3);
	CHECK_EQ_U64(nic_steer_live(&s, 1, 12345), 3);
	s.live = 0; /* nothing known yet */
	CHECK_EQ_U64(nic_steer_frame(&s, f, n), 0);
	CHECK_EQ_U64(nic_steer_live(&s, 2, 7), 2);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_symmetric);
	RUN(test_spread);
	RUN(test_keyed);
	RUN(test_frames);
	RUN(test_icmp_errors);
	RUN(test_live);
	RUN_DONE();
}
