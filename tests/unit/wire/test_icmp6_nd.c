/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMPv6 and Neighbor Discovery codecs: tshark-verified known answers, the pseudo-header
 * checksum, Packet Too Big sizing, and every RFC 4861 section 7.1 validation rule. */
#include <string.h>

#include "../check.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmp6.h"
#include "wire/nd.h"

#define ERR(x) ((uint64_t)(int64_t)(x))

static const struct ipv6_addr CLI6 = {{0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
static const struct ipv6_addr SRV6 = {{0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
static const struct mac_addr MAC_CLI = {{0x02, 0, 0, 0, 0, 0x02}};

static void test_icmp6_echo(void)
{
	/* Echo request 2001:2::2 -> 2001:2::1, id 0x1234 seq 1, data 0..55: tshark confirms
	 * checksum 0x3634. */
	uint8_t data[56];
	for (int i = 0; i < 56; i++)
		data[i] = (uint8_t)i;
	uint8_t msg[64];
	CHECK_EQ_U64(icmp6_encode_echo(msg, 63, &CLI6, &SRV6, ICMP6_ECHO_REQUEST, 0x1234, 1,
				       data, 56),
		     0);
	CHECK_EQ_U64(icmp6_encode_echo(msg, 64, &CLI6, &SRV6, ICMP6_ECHO_REQUEST, 0x1234, 1,
				       data, 56),
		     64);
	CHECK_EQ_U64(get_be16(msg + 2), 0x3634);
	CHECK_EQ_U64(icmp6_csum(&CLI6, &SRV6, msg, 64), 0);

	struct icmp6_msg m;
	CHECK_EQ_U64(icmp6_decode(msg, 64, &CLI6, &SRV6, &m, true), 0);
	CHECK(m.type == ICMP6_ECHO_REQUEST && m.code == 0 && m.csum == 0x3634);
	CHECK(m.id == 0x1234 && m.seq == 1 && m.rest == 0x12340001);
	CHECK(m.data == msg + 8 && m.data_len == 56);
	CHECK(!icmp6_is_error(m.type) && icmp6_is_error(ICMP6_PACKET_TOO_BIG));

	/* The pseudo-header is covered: other addresses, or another length, fail. */
	CHECK_EQ_U64(icmp6_decode(msg, 64, &SRV6, &CLI6, &m, true), 0); /* sum is symmetric */
	struct ipv6_addr other = SRV6;
	other.b[15] = 3;
	CHECK_EQ_U64(icmp6_decode(msg, 64, &CLI6, &other, &m, true), ERR(ICMP6_E_CSUM));
	CHECK_EQ_U64(icmp6_decode(msg, 64, &CLI6, &other, &m, false), 0);
	CHECK_EQ_U64(icmp6_decode(msg, 62, &CLI6, &SRV6, &m, true), ERR(ICMP6_E_CSUM));
	CHECK_EQ_U64(icmp6_decode(msg, 7, &CLI6, &SRV6, &m, false), ERR(ICMP6_E_TRUNC));
	msg[30] ^= 1;
	CHECK_EQ_U64(icmp6_decode(msg, 64, &CLI6, &SRV6, &m, true), ERR(ICMP6_E_CSUM));
	msg[30] ^= 1;

	/* A reply in place: id, seq and data kept, the checksum moves with the type only. */
	CHECK_EQ_U64(icmp6_decode(msg, 64, &CLI6, &SRV6, &m, true), 0);
	CHECK_EQ_U64(icmp6_encode_echo(msg, 64, &SRV6, &CLI6, ICMP6_ECHO_REPLY, m.id, m.seq,
				       m.data, m.data_len),
		     64);
	struct icmp6_msg r;
	CHECK_EQ_U64(icmp6_decode(msg, 64, &SRV6, &CLI6, &r, true), 0);
	CHECK(r.type == ICMP6_ECHO_REPLY && r.id == 0x1234 && r.seq == 1 && r.data_len == 56);
	CHECK(memcmp(r.data, data, 56) == 0);
	CHECK_EQ_U64(r.csum, csum_update16(0x3634, 0x8000, 0x8100));

	/* Odd length and empty data. */
	CHECK_EQ_U64(icmp6_encode_echo(msg, 13, &CLI6, &SRV6, 128, 7, 9, data, 5), 13);
	CHECK_EQ_U64(icmp6_decode(msg, 13, &CLI6, &SRV6, &m, true), 0);
	CHECK_EQ_U64(icmp6_encode_echo(msg, 8, &CLI6, &SRV6, 128, 7, 9, NULL, 0), 8);
	CHECK_EQ_U64(icmp6_decode(msg, 8, &CLI6, &SRV6, &m, true), 0);
	CHECK(strcmp(icmp6_strerror(ICMP6_E_CSUM), "bad ICMPv6 checksum") == 0);
	CHECK(icmp6_strerror(-9) != NULL);
}

static void test_icmp6_ptb(void)
{
	static uint8_t invoking[1500], out[1600];
	for (size_t i = 0; i < sizeof(invoking); i++)
		invoking[i] = (uint8_t)(i * 7);
	/* RFC 4443 section 2.4 (c): as much of the invoking packet as fits in 1280 bytes. */
	size_t n = icmp6_encode_ptb(out, sizeof(out), &SRV6, &CLI6, 1400, invoking, 1500);
	CHECK_EQ_U64(n, IPV6_MIN_MTU - IPV6_HDR_LEN);
	struct icmp6_msg m;
	CHECK_EQ_U64(icmp6_decode(out, n, &SRV6, &CLI6, &m, true), 0);
	CHECK(m.type == ICMP6_PACKET_TOO_BIG && m.code == 0 && m.rest == 1400);
	CHECK(m.data_len == 1232 && memcmp(m.data, invoking, 1232) == 0);
	/* A short invoking packet whole; a small buffer cuts it; no room for the header. */
	n = icmp6_encode_ptb(out, sizeof(out), &SRV6, &CLI6, 1280, invoking, 100);
	CHECK_EQ_U64(n, 108);
	CHECK_EQ_U64(icmp6_decode(out, n, &SRV6, &CLI6, &m, true), 0);
	n = icmp6_encode_ptb(out, 50, &SRV6, &CLI6, 1280, invoking, 100);
	CHECK_EQ_U64(n, 50);
	CHECK_EQ_U64(icmp6_decode(out, n, &SRV6, &CLI6, &m, true), 0);
	CHECK_EQ_U64(icmp6_encode_ptb(out, 7, &SRV6, &CLI6, 1280, invoking, 100), 0);
}

/* NS 2001:2::2 -> ff02::1:ff00:1 for target 2001:2::1, SLLA 02:00:00:00:00:02: tshark
 * confirms checksum 0x3793. */
static const uint8_t ns_known[32] = {0x87, 0x00, 0x37, 0x93, 0, 0, 0, 0, 0x20, 0x01, 0x00,
				     0x02, 0,	 0,    0,    0, 0, 0, 0, 0, 0,	  0,	0,
				     0x01, 0x01, 0x01, 0x02, 0, 0, 0, 0, 0x02};

static void ip_for(struct ipv6_hdr *ip, const struct ipv6_addr *src, const struct ipv6_addr *dst,
		   uint8_t hlim)
{
	memset(ip, 0, sizeof(*ip));
	ip->src = *src;
	ip->dst = *dst;
	ip->hlim = hlim;
	ip->nxt = ip->proto = IPV6_NH_ICMPV6;
}

static void test_nd_ns(void)
{
	struct ipv6_addr snm = ipv6_solicited_node(&SRV6);
	uint8_t msg[64];
	CHECK_EQ_U64(nd_encode_ns(msg, 31, &CLI6, &snm, &SRV6, &MAC_CLI), 0);
	CHECK_EQ_U64(nd_encode_ns(msg, sizeof(msg), &CLI6, &snm, &SRV6, &MAC_CLI), 32);
	CHECK(memcmp(msg, ns_known, 32) == 0);

	struct ipv6_hdr ip;
	struct icmp6_msg m;
	struct nd_msg nd;
	ip_for(&ip, &CLI6, &snm, 255);
	CHECK_EQ_U64(icmp6_decode(msg, 32, &CLI6, &snm, &m, true), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), 0);
	CHECK(nd.type == ICMP6_ND_NS && ipv6_addr_equal(&nd.target, &SRV6) && nd.flags == 0);
	CHECK(nd.has_lla && mac_equal(&nd.lla, &MAC_CLI));

	/* Hop limit other than 255: not from a neighbor (section 7.1.1). */
	ip.hlim = 254;
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_HOPLIMIT));
	ip.hlim = 255;
	m.code = 1;
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_CODE));
	m.code = 0;
	/* Shorter than 24 bytes. */
	m.data_len = 15;
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_TRUNC));
	m.data_len = 24;
	/* Without options it decodes, no link-layer address. */
	m.data_len = 16;
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), 0);
	CHECK(!nd.has_lla);
	m.data_len = 24;

	/* Option length 0 is refused (section 4.6: "nodes MUST silently discard"); so is an
	 * option running past the message, and a lone option byte. */
	uint8_t bad[48] = {0};
	memcpy(bad, msg, 32);
	bad[25] = 0;
	CHECK_EQ_U64(icmp6_decode(bad, 32, &CLI6, &snm, &m, false), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_OPT));
	bad[25] = 2;
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_OPT));
	bad[25] = 1;
	CHECK_EQ_U64(icmp6_decode(bad, 33, &CLI6, &snm, &m, false), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_OPT));

	/* Unknown options (and a TLLA in an NS) are skipped; the SLLA after them is found. */
	memset(bad + 24, 0, 24);
	bad[24] = 14; /* nonce option, 8 bytes */
	bad[25] = 1;
	bad[32] = ND_OPT_TLLA;
	bad[33] = 1;
	bad[40] = ND_OPT_SLLA;
	bad[41] = 1;
	memcpy(bad + 42, MAC_CLI.b, 6);
	CHECK_EQ_U64(icmp6_decode(bad, 48, &CLI6, &snm, &m, false), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), 0);
	CHECK(nd.has_lla && mac_equal(&nd.lla, &MAC_CLI));

	/* Multicast target. */
	CHECK_EQ_U64(nd_encode_ns(msg, sizeof(msg), &CLI6, &snm, &snm, NULL), 24);
	CHECK_EQ_U64(icmp6_decode(msg, 24, &CLI6, &snm, &m, true), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_TARGET));

	/* Duplicate address detection: from :: only to the solicited-node address and without
	 * an SLLA. */
	static const struct ipv6_addr any;
	ip_for(&ip, &any, &snm, 255);
	CHECK_EQ_U64(nd_encode_ns(msg, sizeof(msg), &any, &snm, &SRV6, NULL), 24);
	CHECK_EQ_U64(icmp6_decode(msg, 24, &any, &snm, &m, true), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), 0);
	ip.dst = SRV6;
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_SRC));
	ip.dst = snm;
	CHECK_EQ_U64(nd_encode_ns(msg, sizeof(msg), &any, &snm, &SRV6, &MAC_CLI), 32);
	CHECK_EQ_U64(icmp6_decode(msg, 32, &any, &snm, &m, true), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_SRC));

	/* Not NS or NA. */
	m.type = ICMP6_ECHO_REQUEST;
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_TYPE));
	CHECK(strcmp(nd_strerror(ND_E_OPT), "malformed ND option") == 0);
	CHECK(nd_strerror(-99) != NULL);
}

static void test_nd_na(void)
{
	uint8_t msg[64];
	struct ipv6_hdr ip;
	struct icmp6_msg m;
	struct nd_msg nd;
	static const struct mac_addr mac_srv = {{0x02, 0, 0, 0, 0, 0x01}};

	/* Solicited NA (section 7.2.4): S and O set, TLLA. Flags beyond R/S/O are not sent. */
	CHECK_EQ_U64(nd_encode_na(msg, 31, &SRV6, &CLI6, &SRV6, ND_NA_SOLICITED, &mac_srv), 0);
	CHECK_EQ_U64(nd_encode_na(msg, sizeof(msg), &SRV6, &CLI6, &SRV6,
				  ND_NA_SOLICITED | ND_NA_OVERRIDE | 0x1234, &mac_srv),
		     32);
	CHECK_EQ_U64(get_be32(msg + 4), ND_NA_SOLICITED | ND_NA_OVERRIDE);
	ip_for(&ip, &SRV6, &CLI6, 255);
	CHECK_EQ_U64(icmp6_decode(msg, 32, &SRV6, &CLI6, &m, true), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), 0);
	CHECK(nd.type == ICMP6_ND_NA && ipv6_addr_equal(&nd.target, &SRV6));
	CHECK(nd.flags == (ND_NA_SOLICITED | ND_NA_OVERRIDE));
	CHECK(nd.has_lla && mac_equal(&nd.lla, &mac_srv));

	/* Solicited flag on an NA to a multicast address (section 7.1.2). */
	struct ipv6_addr all_nodes;
	CHECK_EQ_U64(ipv6_parse("ff02::1", &all_nodes), 0);
	CHECK_EQ_U64(nd_encode_na(msg, sizeof(msg), &SRV6, &all_nodes, &SRV6, ND_NA_SOLICITED,
				  NULL),
		     24);
	ip_for(&ip, &SRV6, &all_nodes, 255);
	CHECK_EQ_U64(icmp6_decode(msg, 24, &SRV6, &all_nodes, &m, true), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), ERR(ND_E_FLAGS));
	/* Unsolicited to all-nodes is fine. */
	CHECK_EQ_U64(nd_encode_na(msg, sizeof(msg), &SRV6, &all_nodes, &SRV6, ND_NA_OVERRIDE,
				  &mac_srv),
		     32);
	CHECK_EQ_U64(icmp6_decode(msg, 32, &SRV6, &all_nodes, &m, true), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), 0);
	CHECK(nd.flags == ND_NA_OVERRIDE && nd.has_lla);
	/* An SLLA in an NA is not its target's address. */
	msg[24] = ND_OPT_SLLA;
	CHECK_EQ_U64(icmp6_decode(msg, 32, &SRV6, &all_nodes, &m, false), 0);
	CHECK_EQ_U64(nd_decode(&ip, &m, &nd), 0);
	CHECK(!nd.has_lla);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_icmp6_echo);
	RUN(test_icmp6_ptb);
	RUN(test_nd_ns);
	RUN(test_nd_na);
	RUN_DONE();
}
