/* SPDX-License-Identifier: BSD-2-Clause */
/* Whole-packet decode and build: known frame, every rejection reason, iovec payloads,
 * checksum offload, ARP and ICMP replies, counters. */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/pkt.h"
#include "wire_test_util.h"

#define CLI 0xc6120002u
#define SRV 0xc6120001u

static const struct mac_addr mac_srv = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct mac_addr mac_cli = {{0x02, 0, 0, 0, 0, 0x02}};

/* Ethernet + IPv4 + TCP SYN 198.18.0.2:40000 -> 198.18.0.1:80 (MSS 1460, SACK-permitted,
 * TS 0x01020304/0, NOP, WS 7), built byte by byte; tshark: IP checksum 0x924e, TCP checksum
 * 0xb7a4, both correct. */
static const uint8_t syn_frame[74] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x92, 0x4e, 0xc6, 0x12, 0x00, 0x02,
    0xc6, 0x12, 0x00, 0x01, 0x9c, 0x40, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00,
    0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xb7, 0xa4, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

static void test_known_syn(void)
{
	struct pkt_view v;
	CHECK_EQ_U64(pkt_decode_eth(syn_frame, sizeof(syn_frame), &v, 0), PKT_OK);
	CHECK_EQ_U64(v.kind, PKT_KIND_TCP);
	CHECK_EQ_U64(v.has_eth, 1);
	CHECK(mac_equal(&v.eth.src, &mac_cli) && mac_equal(&v.eth.dst, &mac_srv));
	CHECK(v.ip.saddr == CLI && v.ip.daddr == SRV && v.ip.id == 0x1c46 && v.ip.ttl == 64);
	CHECK(v.l3 == syn_frame + 14 && v.l3_len == 60);
	CHECK(v.l4 == syn_frame + 34 && v.l4_len == 40);
	CHECK(v.tcp.sport == 40000 && v.tcp.dport == 80 && v.tcp.flags == TH_SYN);
	CHECK(v.tcp.opts.mss == 1460 && v.tcp.opts.wscale == 7 && v.tcp.opts.ts_val == 0x01020304);
	CHECK(v.payload == syn_frame + 74 && v.payload_len == 0);

	/* Build the same frame from fields: byte-identical. */
	struct tcp_hdr h = {
	    .sport = 40000, .dport = 80, .seq = 0x12345678, .flags = TH_SYN, .wnd = 64240};
	h.opts.present = TCP_OPT_F_MSS | TCP_OPT_F_SACKOK | TCP_OPT_F_TS | TCP_OPT_F_WSCALE;
	h.opts.mss = 1460;
	h.opts.wscale = 7;
	h.opts.ts_val = 0x01020304;
	struct pkt_tcp_out o = {.src_mac = &mac_cli,
				.dst_mac = &mac_srv,
				.saddr = CLI,
				.daddr = SRV,
				.ttl = 64,
				.ip_id = 0x1c46,
				.ip_frag_off = IPV4_DF,
				.tcp = &h};
	uint8_t buf[128];
	CHECK_EQ_U64(pkt_build_tcp(buf, 73, &o), 0);
	CHECK_EQ_U64(pkt_build_tcp(buf, 74, &o), 74);
	CHECK(memcmp(buf, syn_frame, 74) == 0);
	CHECK_EQ_U64(h.csum, 0xb7a4);
	CHECK_EQ_U64(h.hlen, 40);

	/* The raw IPv4 form (simulator) is the same minus the Ethernet header. */
	o.src_mac = o.dst_mac = NULL;
	CHECK_EQ_U64(pkt_build_tcp(buf, 59, &o), 0);
	CHECK_EQ_U64(pkt_build_tcp(buf, 60, &o), 60);
	CHECK(memcmp(buf, syn_frame + 14, 60) == 0);
	CHECK_EQ_U64(pkt_decode_ipv4(buf, 60, &v, 0), PKT_OK);
	CHECK(v.kind == PKT_KIND_TCP && v.has_eth == 0 && v.tcp.seq == 0x12345678);

	/* One MAC only, negative iovcnt, NULL iov with pieces: refused. */
	o.src_mac = &mac_cli;
	CHECK_EQ_U64(pkt_build_tcp(buf, sizeof(buf), &o), 0);
	o.src_mac = NULL;
	o.iovcnt = -1;
	CHECK_EQ_U64(pkt_build_tcp(buf, sizeof(buf), &o), 0);
	o.iovcnt = 1;
	CHECK_EQ_U64(pkt_build_tcp(buf, sizeof(buf), &o), 0);
}

/* Payload split over a wrapping ring: pieces of odd and even lengths and empty pieces. */
static void test_iovec_payload(void)
{
	static uint8_t data[3000], buf[3200];
	test_fill(data, sizeof(data));
	unsigned bad = 0;
	for (int it = 0; it < 500; it++) {
		size_t total = (size_t)(test_rand() % 1461);
		struct iovec iov[4];
		test_split_iov(data, total, iov, 4);
		struct tcp_hdr h = {.sport = 80,
				    .dport = 40000,
				    .seq = (uint32_t)test_rand(),
				    .ack = (uint32_t)test_rand(),
				    .flags = TH_ACK | TH_PSH,
				    .wnd = 1000};
		h.opts.present = TCP_OPT_F_TS;
		h.opts.ts_val = (uint32_t)it;
		bool eth = it & 1;
		struct pkt_tcp_out o = {.src_mac = eth ? &mac_srv : NULL,
					.dst_mac = eth ? &mac_cli : NULL,
					.saddr = SRV,
					.daddr = CLI,
					.ttl = 64,
					.tos = 2,
					.ip_id = (uint16_t)it,
					.ip_frag_off = IPV4_DF,
					.tcp = &h,
					.iov = iov,
					.iovcnt = 4};
		size_t n = pkt_build_tcp(buf, sizeof(buf), &o);
		if (n != (eth ? 14u : 0u) + 20 + 32 + total) {
			bad++;
			continue;
		}
		struct pkt_view v;
		enum pkt_err e =
		    eth ? pkt_decode_eth(buf, n, &v, 0) : pkt_decode_ipv4(buf, n, &v, 0);
		if (e != PKT_OK || v.kind != PKT_KIND_TCP || v.payload_len != total ||
		    v.tcp.seq != h.seq || v.tcp.opts.ts_val != (uint32_t)it || v.ip.tos != 2)
			bad++;
		else
			bad += test_iov_mismatches(v.payload, iov, 4);
	}
	CHECK_EQ_U64(bad, 0);

	/* Too big for IPv4: 20 + 20 + payload must stay <= 65535. */
	uint8_t *src = calloc(1, 65536), *out = malloc(70000);
	CHECK(src != NULL && out != NULL);
	if (src && out) {
		struct iovec big = {.iov_base = src, .iov_len = 65536};
		struct tcp_hdr h = {.flags = TH_ACK};
		struct pkt_tcp_out o = {.tcp = &h, .iov = &big, .iovcnt = 1, .ttl = 1};
		CHECK_EQ_U64(pkt_build_tcp(out, 70000, &o), 0);
		big.iov_len = 65535 - 39;
		CHECK_EQ_U64(pkt_build_tcp(out, 70000, &o), 0);
		struct iovec two[2] = {{src, 30000}, {src, 35496}}; /* sum 65496 = 65535 - 39 */
		o.iov = two;
		o.iovcnt = 2;
		CHECK_EQ_U64(pkt_build_tcp(out, 70000, &o), 0);
		two[1].iov_len--;
		CHECK_EQ_U64(pkt_build_tcp(out, 65534, &o), 0);
		CHECK_EQ_U64(pkt_build_tcp(out, 70000, &o), 65535);
		struct pkt_view v;
		CHECK_EQ_U64(pkt_decode_ipv4(out, 65535, &v, 0), PKT_OK);
		CHECK_EQ_U64(v.payload_len, 65535 - 40);
	}
	free(src);
	free(out);
}

static void test_offload(void)
{
	uint8_t data[333], buf[512];
	test_fill(data, sizeof(data));
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct tcp_hdr h = {
	    .sport = 80, .dport = 5555, .seq = 77, .ack = 88, .flags = TH_ACK, .wnd = 9};
	struct pkt_tcp_out o = {.src_mac = &mac_srv,
				.dst_mac = &mac_cli,
				.saddr = SRV,
				.daddr = CLI,
				.ttl = 64,
				.tcp = &h,
				.iov = &iov,
				.iovcnt = 1};
	size_t n = pkt_build_tcp(buf, sizeof(buf), &o);
	CHECK_EQ_U64(n, 14 + 20 + 20 + 333);
	uint16_t full = h.csum;

	o.flags = PKT_TX_L4_CSUM_OFFLOAD | PKT_TX_IP_CSUM_OFFLOAD;
	CHECK_EQ_U64(pkt_build_tcp(buf, sizeof(buf), &o), n);
	uint8_t *th = buf + 34;
	CHECK_EQ_U64(get_be16(th + 16), csum_reduce(csum_pseudo_ipv4(SRV, CLI, 6, 353)));
	CHECK_EQ_U64(get_be16(buf + 24), 0);
	struct pkt_view v;
	CHECK_EQ_U64(pkt_decode_eth(buf, n, &v, 0), PKT_E_IPV4_CSUM);
	CHECK_EQ_U64(pkt_decode_eth(buf, n, &v, PKT_NO_IP_CSUM_CHECK), PKT_E_TCP_CSUM);
	CHECK_EQ_U64(pkt_decode_eth(buf, n, &v, PKT_NO_CSUM_CHECK), PKT_OK);
	/* What the hardware does: checksum from the L4 start with the seeded field. */
	uint16_t hw = inet_csum(th, 353);
	CHECK_EQ_U64(hw, full);
	put_be16(th + 16, hw);
	put_be16(buf + 24, inet_csum(buf + 14, 20));
	CHECK_EQ_U64(pkt_decode_eth(buf, n, &v, 0), PKT_OK);

	/* The payload by reference: the same headers, written into room for the headers only;
	 * nothing after them; the length still counts the payload. Not without the L4 offload. */
	uint8_t ref[512];
	memset(ref, 0xA5, sizeof(ref));
	o.flags = PKT_TX_L4_CSUM_OFFLOAD | PKT_TX_PAYLOAD_BY_REF;
	CHECK_EQ_U64(pkt_build_tcp(ref, 14 + 20 + 20 - 1, &o), 0);
	CHECK_EQ_U64(pkt_build_tcp(ref, 14 + 20 + 20, &o), n);
	o.flags = PKT_TX_L4_CSUM_OFFLOAD;
	CHECK_EQ_U64(pkt_build_tcp(buf, sizeof(buf), &o), n);
	CHECK(memcmp(ref, buf, 14 + 20 + 20) == 0);
	CHECK(ref[14 + 20 + 20] == 0xA5);
	o.flags = PKT_TX_PAYLOAD_BY_REF;
	CHECK_EQ_U64(pkt_build_tcp(ref, sizeof(ref), &o), 0);
}

static void fix_tcp_csum(uint8_t *ip)
{
	size_t hl = (ip[0] & 15u) * 4, tot = get_be16(ip + 2);
	put_be16(ip + hl + 16, 0);
	put_be16(ip + hl + 16,
		 tcp_csum_ipv4(get_be32(ip + 12), get_be32(ip + 16), ip + hl, tot - hl));
}

static void fix_ip_csum(uint8_t *ip)
{
	put_be16(ip + 10, 0);
	put_be16(ip + 10, inet_csum(ip, (ip[0] & 15u) * 4));
}

static void test_errors(void)
{
	uint8_t f[128];
	struct pkt_view v;
	uint8_t *ip = f + 14, *th = f + 34;
#define RESET()			memcpy(f, syn_frame, sizeof(syn_frame))
#define EXPECT(len, flags, err) CHECK_EQ_U64(pkt_decode_eth(f, (len), &v, (flags)), (err))

	RESET();
	EXPECT(13, 0, PKT_E_ETH_TRUNC);
	EXPECT(0, 0, PKT_E_ETH_TRUNC);
	put_be16(f + 12, 0x88cc); /* LLDP */
	EXPECT(74, 0, PKT_E_ETHERTYPE);
	put_be16(f + 12, ETH_P_8021Q); /* tag without room */
	EXPECT(17, 0, PKT_E_ETH_TRUNC);

	RESET();
	EXPECT(14 + 19, 0, PKT_E_IPV4_TRUNC);
	EXPECT(73, 0, PKT_E_IPV4_TRUNC); /* total length 60, 59 present */
	ip[0] = 0x65;
	EXPECT(74, 0, PKT_E_IPV4_VERSION);
	ip[0] = 0x43;
	EXPECT(74, 0, PKT_E_IPV4_IHL);
	RESET();
	put_be16(ip + 2, 16);
	fix_ip_csum(ip);
	EXPECT(74, 0, PKT_E_IPV4_LEN);
	RESET();
	ip[8]--;
	EXPECT(74, 0, PKT_E_IPV4_CSUM);
	EXPECT(74, PKT_NO_IP_CSUM_CHECK, PKT_OK);

	RESET();
	put_be16(ip + 6, IPV4_MF);
	fix_ip_csum(ip);
	EXPECT(74, 0, PKT_E_IPV4_FRAG);
	put_be16(ip + 6, 100);
	fix_ip_csum(ip);
	EXPECT(74, 0, PKT_E_IPV4_FRAG);

	RESET();
	ip[9] = IPV4_PROTO_UDP;
	fix_ip_csum(ip);
	EXPECT(74, 0, PKT_E_IPV4_PROTO);

	/* TCP: segment shorter than 20 (per the IP total length, not the frame). */
	RESET();
	put_be16(ip + 2, 20 + 19);
	fix_ip_csum(ip);
	EXPECT(74, 0, PKT_E_TCP_TRUNC);
	/* Data offset beyond the segment. */
	RESET();
	th[12] = 0xf0;
	fix_tcp_csum(ip);
	EXPECT(74, 0, PKT_E_TCP_TRUNC);
	RESET();
	th[12] = 0x40;
	fix_tcp_csum(ip);
	EXPECT(74, 0, PKT_E_TCP_DOFF);
	RESET();
	th[21] = 0; /* MSS option length 0 */
	fix_tcp_csum(ip);
	EXPECT(74, 0, PKT_E_TCP_OPT);
	EXPECT(74, PKT_NO_L4_CSUM_CHECK, PKT_E_TCP_OPT);
	RESET();
	th[4] ^= 1; /* sequence number corrupted */
	EXPECT(74, 0, PKT_E_TCP_CSUM);
	EXPECT(74, PKT_NO_L4_CSUM_CHECK, PKT_OK);
	RESET();
	th[21] = 0; /* corrupted option AND bad checksum: counted as checksum */
	EXPECT(74, 0, PKT_E_TCP_CSUM);

	/* Ethernet padding and trailing junk are not payload. */
	RESET();
	memset(f + 74, 0xee, 20);
	EXPECT(94, 0, PKT_OK);
	CHECK_EQ_U64(v.payload_len, 0);
	CHECK_EQ_U64(v.l4_len, 40);

	/* ARP. */
	struct arp_pkt a = {.op = ARP_OP_REQUEST, .sha = mac_cli, .spa = CLI, .tpa = SRV};
	struct mac_addr bc = mac_broadcast();
	CHECK_EQ_U64(pkt_build_arp(f, 41, &mac_cli, &bc, &a), 0);
	CHECK_EQ_U64(pkt_build_arp(f, sizeof(f), &mac_cli, &bc, &a), 42);
	memset(f + 42, 0, 18);
	EXPECT(60, 0, PKT_OK);
	CHECK(v.kind == PKT_KIND_ARP && v.arp.op == ARP_OP_REQUEST && v.arp.tpa == SRV);
	CHECK(mac_is_broadcast(&v.eth.dst) && mac_equal(&v.arp.sha, &mac_cli));
	EXPECT(41, 0, PKT_E_ARP_TRUNC);
	f[14 + 5] = 16;
	EXPECT(60, 0, PKT_E_ARP_FORMAT);
	f[14 + 5] = 4;
	f[14 + 7] = 9;
	EXPECT(60, 0, PKT_E_ARP_OP);

	/* IOTCP command frames carry their payload through. */
	eth_encode_simple(f, sizeof(f), &mac_srv, &mac_cli, ETH_P_IOTCP);
	memcpy(f + 14, "HELLO", 5);
	EXPECT(19, 0, PKT_OK);
	CHECK(v.kind == PKT_KIND_IOTCP && v.payload == f + 14 && v.payload_len == 5);
	EXPECT(14, 0, PKT_OK);
	CHECK_EQ_U64(v.payload_len, 0);
#undef RESET
#undef EXPECT
}

static void test_icmp_echo(void)
{
	/* Request 198.18.0.2 -> 198.18.0.1, VLAN 7, 56 bytes of data. */
	uint8_t req[128], data[56];
	for (int i = 0; i < 56; i++)
		data[i] = (uint8_t)i;
	struct eth_hdr e = {
	    .dst = mac_srv, .src = mac_cli, .type = ETH_P_IPV4, .has_vlan = 1, .vlan_tci = 7};
	size_t l2 = eth_encode(req, sizeof(req), &e);
	struct ipv4_hdr ih = {.tos = 0x03,
			      .tot_len = 20 + 64,
			      .id = 1,
			      .ttl = 64,
			      .proto = IPV4_PROTO_ICMP,
			      .saddr = CLI,
			      .daddr = SRV};
	ipv4_encode(req + l2, 20, &ih);
	icmp_encode_echo(req + l2 + 20, 64, ICMP_TYPE_ECHO_REQUEST, 0x1234, 1, data, 56);
	size_t n = l2 + 84;

	struct pkt_view v;
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, 0), PKT_OK);
	CHECK(v.kind == PKT_KIND_ICMP && v.icmp.type == 8 && v.icmp.id == 0x1234);
	CHECK(v.payload_len == 56 && memcmp(v.payload, data, 56) == 0);

	uint8_t rep[128];
	CHECK_EQ_U64(pkt_build_icmp_echo_reply(rep, n - 1, &v, &mac_srv, 64, 9), 0);
	CHECK_EQ_U64(pkt_build_icmp_echo_reply(rep, sizeof(rep), &v, &mac_srv, 64, 9), n);
	struct pkt_view r;
	CHECK_EQ_U64(pkt_decode_eth(rep, n, &r, 0), PKT_OK);
	CHECK(r.kind == PKT_KIND_ICMP && r.icmp.type == ICMP_TYPE_ECHO_REPLY);
	CHECK(r.icmp.id == 0x1234 && r.icmp.seq == 1 && r.payload_len == 56);
	CHECK(memcmp(r.payload, data, 56) == 0);
	CHECK(r.ip.saddr == SRV && r.ip.daddr == CLI && r.ip.ttl == 64 && r.ip.id == 9);
	CHECK_EQ_U64(r.ip.tos, 0); /* ECN bits are not echoed */
	CHECK(mac_equal(&r.eth.src, &mac_srv) && mac_equal(&r.eth.dst, &mac_cli));
	CHECK(r.eth.has_vlan && eth_vid(r.eth.vlan_tci) == 7);
	/* A reply is not answered; raw IPv4 form without a MAC. */
	CHECK_EQ_U64(pkt_build_icmp_echo_reply(req, sizeof(req), &r, &mac_srv, 64, 9), 0);
	CHECK_EQ_U64(pkt_build_icmp_echo_reply(rep, sizeof(rep), &v, NULL, 64, 9), 84);
	CHECK_EQ_U64(pkt_decode_ipv4(rep, 84, &r, 0), PKT_OK);
	CHECK_EQ_U64(r.icmp.type, 0);

	/* Errors. */
	CHECK_EQ_U64(pkt_decode_eth(req, l2 + 27, &v, 0), PKT_E_IPV4_TRUNC);
	put_be16(req + l2 + 2, 27);
	put_be16(req + l2 + 10, 0);
	put_be16(req + l2 + 10, inet_csum(req + l2, 20));
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, 0), PKT_E_ICMP_TRUNC);
	put_be16(req + l2 + 2, 84);
	put_be16(req + l2 + 10, 0);
	put_be16(req + l2 + 10, inet_csum(req + l2, 20));
	req[n - 1] ^= 0x40;
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, 0), PKT_E_ICMP_CSUM);
	CHECK_EQ_U64(pkt_decode_eth(req, n, &v, PKT_NO_L4_CSUM_CHECK), PKT_OK);
}

static void test_counters(void)
{
	struct pkt_counters c;
	memset(&c, 0, sizeof(c));
	pkt_count(&c, PKT_OK);
	pkt_count(&c, PKT_OK);
	pkt_count(&c, PKT_E_TCP_CSUM);
	pkt_count(&c, PKT_E_IPV4_FRAG);
	pkt_count(&c, PKT_E_MAX);	   /* ignored */
	pkt_count(&c, (enum pkt_err) - 1); /* ignored */
	CHECK_EQ_U64(c.err[PKT_OK], 2);
	CHECK_EQ_U64(c.err[PKT_E_TCP_CSUM], 1);
	CHECK_EQ_U64(pkt_counters_drops(&c), 2);

	/* Every reason has a distinct text and name. */
	for (int i = 0; i < PKT_E_MAX; i++) {
		const char *s = pkt_strerror((enum pkt_err)i), *k = pkt_err_name((enum pkt_err)i);
		CHECK(s && *s && strcmp(s, "unknown packet error") != 0);
		CHECK(k && *k && strcmp(k, "unknown") != 0);
		for (int j = 0; j < i; j++) {
			CHECK(strcmp(s, pkt_strerror((enum pkt_err)j)) != 0);
			CHECK(strcmp(k, pkt_err_name((enum pkt_err)j)) != 0);
		}
	}
	CHECK(strcmp(pkt_strerror(PKT_E_MAX), "unknown packet error") == 0);
	CHECK(strcmp(pkt_err_name((enum pkt_err)1000), "unknown") == 0);
	CHECK(strcmp(pkt_err_name(PKT_E_TCP_CSUM), "tcp_csum") == 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_known_syn);
	RUN(test_iovec_payload);
	RUN(test_offload);
	RUN(test_errors);
	RUN(test_icmp_echo);
	RUN(test_counters);
	RUN_DONE();
}
