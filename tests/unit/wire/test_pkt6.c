/* SPDX-License-Identifier: BSD-2-Clause */
/* Whole-packet decode and build for IPv6: a tshark-verified SYN frame, iovec payloads and
 * checksum offload over IPv6, every IPv6 rejection reason, ICMPv6 echo replies and ND frames,
 * and the TCP checksum with the IPv6 pseudo-header. */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/nd.h"
#include "wire/pkt.h"
#include "wire_test_util.h"

static const struct ipv6_addr CLI6 = {{0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
static const struct ipv6_addr SRV6 = {{0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
static const struct mac_addr mac_srv = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct mac_addr mac_cli = {{0x02, 0, 0, 0, 0, 0x02}};

/* Ethernet + IPv6 + TCP SYN [2001:2::2]:40000 -> [2001:2::1]:80 (MSS 1440, SACK-permitted,
 * TS 0x01020304/0, NOP, WS 7); tshark: TCP checksum 0x03d8 correct. */
static const uint8_t syn6_frame[94] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x9c, 0x40,
    0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0,
    0x03, 0xd8, 0x00, 0x00, 0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0x01, 0x02,
    0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

static void test_known_syn6(void)
{
	struct pkt_view v;
	CHECK_EQ_U64(pkt_decode_eth(syn6_frame, sizeof(syn6_frame), &v, 0), PKT_OK);
	CHECK_EQ_U64(v.kind, PKT_KIND_TCP6);
	CHECK(v.has_eth && v.eth.type == ETH_P_IPV6);
	CHECK(ipv6_addr_equal(&v.ip6.src, &CLI6) && ipv6_addr_equal(&v.ip6.dst, &SRV6));
	CHECK(v.ip6.hlim == 64 && v.ip6.proto == IPV6_NH_TCP);
	CHECK(v.l3 == syn6_frame + 14 && v.l3_len == 80);
	CHECK(v.l4 == syn6_frame + 54 && v.l4_len == 40);
	CHECK(v.tcp.sport == 40000 && v.tcp.dport == 80 && v.tcp.flags == TH_SYN);
	CHECK(v.tcp.opts.mss == 1440 && v.tcp.opts.wscale == 7 && v.tcp.csum == 0x03d8);
	CHECK(v.payload == syn6_frame + 94 && v.payload_len == 0);
	CHECK_EQ_U64(tcp_csum_ipv6(CLI6.b, SRV6.b, v.l4, v.l4_len), 0);

	struct tcp_hdr h = {
	    .sport = 40000, .dport = 80, .seq = 0x12345678, .flags = TH_SYN, .wnd = 64240};
	h.opts.present = TCP_OPT_F_MSS | TCP_OPT_F_SACKOK | TCP_OPT_F_TS | TCP_OPT_F_WSCALE;
	h.opts.mss = 1440;
	h.opts.wscale = 7;
	h.opts.ts_val = 0x01020304;
	struct pkt_tcp_out o = {.src_mac = &mac_cli,
				.dst_mac = &mac_srv,
				.src6 = &CLI6,
				.dst6 = &SRV6,
				.ttl = 64,
				.tcp = &h};
	uint8_t buf[128];
	CHECK_EQ_U64(pkt_build_tcp(buf, 93, &o), 0);
	CHECK_EQ_U64(pkt_build_tcp(buf, 94, &o), 94);
	CHECK(memcmp(buf, syn6_frame, 94) == 0);
	CHECK_EQ_U64(h.csum, 0x03d8);

	/* Raw IPv6 (no link header). */
	o.src_mac = o.dst_mac = NULL;
	CHECK_EQ_U64(pkt_build_tcp(buf, 80, &o), 80);
	CHECK(memcmp(buf, syn6_frame + 14, 80) == 0);
	CHECK_EQ_U64(pkt_decode_ipv6(buf, 80, &v, 0), PKT_OK);
	CHECK(v.kind == PKT_KIND_TCP6 && !v.has_eth && v.tcp.seq == 0x12345678);
	/* A raw IPv6 packet is not IPv4 and vice versa. */
	CHECK_EQ_U64(pkt_decode_ipv4(buf, 80, &v, 0), PKT_E_IPV4_VERSION);
	CHECK_EQ_U64(pkt_decode_ipv6(syn6_frame, 94, &v, 0), PKT_E_IPV6_VERSION);

	/* One IPv6 address only: refused. */
	o.dst6 = NULL;
	CHECK_EQ_U64(pkt_build_tcp(buf, sizeof(buf), &o), 0);
}

static void test_iovec_payload6(void)
{
	static uint8_t data[3000], buf[3200];
	test_fill(data, sizeof(data));
	unsigned bad = 0;
	for (int it = 0; it < 300; it++) {
		size_t total = (size_t)(test_rand() % 1441);
		struct iovec iov[3];
		test_split_iov(data, total, iov, 3);
		struct tcp_hdr h = {.sport = 80,
				    .dport = 40000,
				    .seq = (uint32_t)test_rand(),
				    .ack = (uint32_t)test_rand(),
				    .flags = TH_ACK,
				    .wnd = 1000};
		bool eth = it & 1;
		struct pkt_tcp_out o = {.src_mac = eth ? &mac_srv : NULL,
					.dst_mac = eth ? &mac_cli : NULL,
					.src6 = &SRV6,
					.dst6 = &CLI6,
					.ttl = 64,
					.tos = 2,
					.flow = (uint32_t)it,
					.tcp = &h,
					.iov = iov,
					.iovcnt = 3};
		size_t n = pkt_build_tcp(buf, sizeof(buf), &o);
		if (n != (eth ? 14u : 0u) + 40 + 20 + total) {
			bad++;
			continue;
		}
		struct pkt_view v;
		enum pkt_err e =
		    eth ? pkt_decode_eth(buf, n, &v, 0) : pkt_decode_ipv6(buf, n, &v, 0);
		if (e != PKT_OK || v.kind != PKT_KIND_TCP6 || v.payload_len != total ||
		    v.tcp.seq != h.seq || v.ip6.tclass != 2 || v.ip6.flow != (uint32_t)it)
			bad++;
		else
			bad += test_iov_mismatches(v.payload, iov, 3);
	}
	CHECK_EQ_U64(bad, 0);

	/* IPv6's limit is the payload length: 20 + payload <= 65535 (the IPv4 limit counts
	 * its header too). */
	uint8_t *src = calloc(1, 65536), *out = malloc(70000);
	CHECK(src != NULL && out != NULL);
	if (src && out) {
		struct iovec big = {.iov_base = src, .iov_len = 65535 - 19};
		struct tcp_hdr h = {.flags = TH_ACK};
		struct pkt_tcp_out o = {.src6 = &SRV6, .dst6 = &CLI6, .tcp = &h, .iov = &big,
					.iovcnt = 1, .ttl = 1};
		CHECK_EQ_U64(pkt_build_tcp(out, 70000, &o), 0);
		big.iov_len--;
		CHECK_EQ_U64(pkt_build_tcp(out, 40 + 65534, &o), 0);
		CHECK_EQ_U64(pkt_build_tcp(out, 70000, &o), 40 + 65535);
		struct pkt_view v;
		CHECK_EQ_U64(pkt_decode_ipv6(out, 40 + 65535, &v, 0), PKT_OK);
		CHECK_EQ_U64(v.payload_len, 65535 - 20);
	}
	free(src);
	free(out);
}

static void test_offload6(void)
{
	uint8_t data[333], buf[512];
	test_fill(data, sizeof(data));
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct tcp_hdr h = {
	    .sport = 80, .dport = 5555, .seq = 77, .ack = 88, .flags = TH_ACK, .wnd = 9};
	struct pkt_tcp_out o = {.src_mac = &mac_srv,
				.dst_mac = &mac_cli,
				.src6 = &SRV6,
				.dst6 = &CLI6,
				.ttl = 64,
				.tcp = &h,
				.iov = &iov,
				.iovcnt = 1};
	size_t n = pkt_build_tcp(buf, sizeof(buf), &o);
	CHECK_EQ_U64(n, 14 + 40 + 20 + 333);
	uint16_t full = h.csum;
	o.flags = PKT_TX_L4_CSUM_OFFLOAD | PKT_TX_IP_CSUM_OFFLOAD; /* IPv6 has no header sum */
	CHECK_EQ_U64(pkt_build_tcp(buf, sizeof(buf), &o), n);
	uint8_t *th = buf + 54;
	CHECK_EQ_U64(get_be16(th + 16),
		     csum_reduce(csum_pseudo_ipv6(SRV6.b, CLI6.b, IPV6_NH_TCP, 353)));
	struct pkt_view v;
	CHECK_EQ_U64(pkt_decode_eth(buf, n, &v, 0), PKT_E_TCP_CSUM);
	CHECK_EQ_U64(pkt_decode_eth(buf, n, &v, PKT_NO_L4_CSUM_CHECK), PKT_OK);
	uint16_t hw = inet_csum(th, 353);
	CHECK_EQ_U64(hw, full);
	put_be16(th + 16, hw);
	CHECK_EQ_U64(pkt_decode_eth(buf, n, &v, 0), PKT_OK);
}

static void test_rejects6(void)
{
	uint8_t f[160];
	struct pkt_view v;
	uint8_t *ip = f + 14;
#define RESET()			memcpy(f, syn6_frame, sizeof(syn6_frame))
#define EXPECT(len, flags, err) CHECK_EQ_U64(pkt_decode_eth(f, (len), &v, (flags)), (err))
	RESET();
	EXPECT(14 + 39, 0, PKT_E_IPV6_TRUNC);
	EXPECT(93, 0, PKT_E_IPV6_TRUNC);
	ip[0] = 0x45;
	EXPECT(94, 0, PKT_E_IPV6_VERSION);
	RESET();
	ip[6] = IPV6_NH_UDP;
	EXPECT(94, 0, PKT_E_IPV6_PROTO);
	RESET();
	f[70] ^= 0xff; /* the TCP checksum */
	EXPECT(94, 0, PKT_E_TCP_CSUM);
	EXPECT(94, PKT_NO_L4_CSUM_CHECK, PKT_OK);
	RESET();
	put_be16(ip + 4, 19); /* 19 bytes of TCP */
	EXPECT(94, PKT_NO_CSUM_CHECK, PKT_E_TCP_TRUNC);
	RESET();
	ip[6] = IPV6_NH_FRAGMENT; /* the TCP header read as a fragment header: offset set */
	EXPECT(94, 0, PKT_E_IPV6_FRAG);
	RESET();
	ip[6] = IPV6_NH_ROUTING; /* as a routing header: length 0x40 runs past the payload */
	EXPECT(94, 0, PKT_E_IPV6_TRUNC);
	RESET();
	ip[6] = IPV6_NH_HOPOPTS; /* Hop-by-Hop with an option we must not skip */
	put_be16(ip + 4, 48);
	memmove(f + 62, f + 54, 40);
	memcpy(f + 54, (const uint8_t[8]){IPV6_NH_TCP, 0, 0xc2, 4, 0, 0, 0, 0}, 8);
	EXPECT(102, 0, PKT_E_IPV6_EXT);

	/* Extension headers before TCP: the view points past them and the checksum uses the
	 * upper-layer length (RFC 8200 section 8.1). */
	memcpy(f, syn6_frame, 54);
	static const uint8_t dst_opts[8] = {IPV6_NH_TCP, 0, 1, 4, 0, 0, 0, 0};
	memcpy(f + 54, dst_opts, 8);
	memcpy(f + 62, syn6_frame + 54, 40);
	ip[6] = IPV6_NH_DSTOPTS;
	put_be16(ip + 4, 48);
	EXPECT(102, 0, PKT_OK);
	CHECK(v.kind == PKT_KIND_TCP6 && v.l4 == f + 62 && v.l4_len == 40 && v.l3_len == 88);
	CHECK(v.ip6.hlen == 48 && v.tcp.dport == 80);
	/* Ethernet padding after the payload is ignored. */
	memset(f + 102, 0xee, 20);
	EXPECT(122, 0, PKT_OK);
	CHECK_EQ_U64(v.payload_len, 0);
#undef RESET
#undef EXPECT

	/* Names of the new reasons. */
	CHECK(strcmp(pkt_err_name(PKT_E_IPV6_EXT), "ipv6_ext") == 0);
	CHECK(strcmp(pkt_strerror(PKT_E_ICMP6_CSUM), "bad ICMPv6 checksum") == 0);
	for (int i = 0; i < PKT_E_MAX; i++)
		CHECK(pkt_err_name((enum pkt_err)i) != NULL &&
		      strcmp(pkt_err_name((enum pkt_err)i), "unknown") != 0);
}

static void test_icmp6_frames(void)
{
	uint8_t req[200], rep[200], data[56];
	for (int i = 0; i < 56; i++)
		data[i] = (uint8_t)i;
	/* Echo request as a frame, then the reply. */
	uint8_t *msg = req + 14 + 40;
	size_t ml = icmp6_encode_echo(msg, 100, &CLI6, &SRV6, ICMP6_ECHO_REQUEST, 0x1234, 1, data,
				      56);
	CHECK_EQ_U64(ml, 64);
	size_t n = pkt_build_ipv6(req, sizeof(req), &mac_cli, &mac_srv, &CLI6, &SRV6,
				  IPV6_NH_ICMPV6, 64, 0, msg, ml);
	CHECK_EQ_U64(n, 118);
	struct pkt_view v, r;
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, 0), PKT_OK);
	CHECK(v.kind == PKT_KIND_ICMP6 && v.icmp6.type == ICMP6_ECHO_REQUEST);
	CHECK(v.icmp6.id == 0x1234 && v.icmp6.seq == 1 && v.payload_len == 56);
	CHECK_EQ_U64(get_be16(msg + 2), 0x3634); /* the tshark-verified message */

	CHECK_EQ_U64(pkt_build_icmp6_echo_reply(rep, 117, &v, &mac_srv, NULL, 64), 0);
	size_t rn = pkt_build_icmp6_echo_reply(rep, sizeof(rep), &v, &mac_srv, NULL, 64);
	CHECK_EQ_U64(rn, 118);
	CHECK_EQ_U64(pkt_decode_eth(rep, rn, &r, 0), PKT_OK);
	CHECK(r.kind == PKT_KIND_ICMP6 && r.icmp6.type == ICMP6_ECHO_REPLY);
	CHECK(mac_equal(&r.eth.dst, &mac_cli) && mac_equal(&r.eth.src, &mac_srv));
	CHECK(ipv6_addr_equal(&r.ip6.src, &SRV6) && ipv6_addr_equal(&r.ip6.dst, &CLI6));
	CHECK(r.icmp6.id == 0x1234 && r.icmp6.seq == 1 && r.payload_len == 56);
	CHECK(memcmp(r.payload, data, 56) == 0);
	/* In place, raw IPv6. */
	CHECK_EQ_U64(pkt_decode_ipv6(req + 14, 104, &v, 0), PKT_OK);
	CHECK_EQ_U64(pkt_build_icmp6_echo_reply(req + 14, 104, &v, NULL, NULL, 64), 104);
	CHECK_EQ_U64(pkt_decode_ipv6(req + 14, 104, &r, 0), PKT_OK);
	CHECK(r.icmp6.type == ICMP6_ECHO_REPLY && memcmp(r.payload, data, 56) == 0);
	/* A reply is not answered. */
	CHECK_EQ_U64(pkt_build_icmp6_echo_reply(rep, sizeof(rep), &r, NULL, NULL, 64), 0);

	/* To a multicast group: answered from our unicast address, or not at all. */
	struct ipv6_addr all_nodes;
	CHECK_EQ_U64(ipv6_parse("ff02::1", &all_nodes), 0);
	ml = icmp6_encode_echo(msg, 100, &CLI6, &all_nodes, ICMP6_ECHO_REQUEST, 1, 2, NULL, 0);
	n = pkt_build_ipv6(req, sizeof(req), &mac_cli, &mac_srv, &CLI6, &all_nodes,
			   IPV6_NH_ICMPV6, 64, 0, msg, ml);
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, 0), PKT_OK);
	CHECK_EQ_U64(pkt_build_icmp6_echo_reply(rep, sizeof(rep), &v, &mac_srv, NULL, 64), 0);
	rn = pkt_build_icmp6_echo_reply(rep, sizeof(rep), &v, &mac_srv, &SRV6, 64);
	CHECK_EQ_U64(pkt_decode_eth(rep, rn, &r, 0), PKT_OK);
	CHECK(ipv6_addr_equal(&r.ip6.src, &SRV6) && r.icmp6.type == ICMP6_ECHO_REPLY);

	/* An NS as a frame decodes to ICMP6 and then through nd_decode. */
	struct ipv6_addr snm = ipv6_solicited_node(&SRV6);
	struct mac_addr mm = ipv6_multicast_mac(&snm);
	ml = nd_encode_ns(msg, 100, &CLI6, &snm, &SRV6, &mac_cli);
	n = pkt_build_ipv6(req, sizeof(req), &mac_cli, &mm, &CLI6, &snm, IPV6_NH_ICMPV6,
			   ND_HOP_LIMIT, 0, msg, ml);
	CHECK_EQ_U64(n, 86);
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, 0), PKT_OK);
	CHECK(v.kind == PKT_KIND_ICMP6 && v.icmp6.type == ICMP6_ND_NS);
	struct nd_msg nd;
	CHECK_EQ_U64(nd_decode(&v.ip6, &v.icmp6, &nd), 0);
	CHECK(ipv6_addr_equal(&nd.target, &SRV6) && nd.has_lla && mac_equal(&nd.lla, &mac_cli));

	/* Errors: truncated message, bad checksum, one MAC only. */
	req[14 + 40 + 5] ^= 1;
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, 0), PKT_E_ICMP6_CSUM);
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, PKT_NO_L4_CSUM_CHECK), PKT_OK);
	put_be16(req + 14 + 4, 7);
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, 0), PKT_E_ICMP6_TRUNC);
	CHECK_EQ_U64(pkt_build_ipv6(req, sizeof(req), &mac_cli, NULL, &CLI6, &snm,
				    IPV6_NH_ICMPV6, 255, 0, msg, ml),
		     0);
	CHECK_EQ_U64(pkt_build_ipv6(req, 14 + 40 + 31, &mac_cli, &mm, &CLI6, &snm,
				    IPV6_NH_ICMPV6, 255, 0, msg, 32),
		     0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_known_syn6);
	RUN(test_iovec_payload6);
	RUN(test_offload6);
	RUN(test_rejects6);
	RUN(test_icmp6_frames);
	RUN_DONE();
}
