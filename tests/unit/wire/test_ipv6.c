/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 header codec: known answer, round trip, every decode error, the extension-header walk
 * (bounded, never past the payload), address text and multicast mappings, the pseudo-header
 * checksum. */
#include <string.h>

#include "../check.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv6.h"
#include "wire_test_util.h"

#define ERR(x) ((uint64_t)(int64_t)(x))

static const struct ipv6_addr CLI6 = {{0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
static const struct ipv6_addr SRV6 = {{0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

/* IPv6 header of a SYN 2001:2::2 -> 2001:2::1, 40-byte TCP payload, hop limit 64 (the packet
 * tests/unit/wire/test_pkt6.c checks whole, tshark-verified). */
static const uint8_t syn_ip6[40] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};

static void test_ipv6_known(void)
{
	uint8_t pkt[100] = {0};
	memcpy(pkt, syn_ip6, sizeof(syn_ip6));
	struct ipv6_hdr h;
	CHECK_EQ_U64(ipv6_decode(pkt, 80, &h), 40);
	CHECK_EQ_U64(h.hlen, 40);
	CHECK_EQ_U64(h.plen, 40);
	CHECK_EQ_U64(h.nxt, IPV6_NH_TCP);
	CHECK_EQ_U64(h.proto, IPV6_NH_TCP);
	CHECK_EQ_U64(h.hlim, 64);
	CHECK_EQ_U64(h.tclass, 0);
	CHECK_EQ_U64(h.flow, 0);
	CHECK(ipv6_addr_equal(&h.src, &CLI6) && ipv6_addr_equal(&h.dst, &SRV6));
	/* Link padding after the packet is fine. */
	CHECK_EQ_U64(ipv6_decode(pkt, sizeof(pkt), &h), 40);

	uint8_t out[40];
	h.hlen = 0;
	CHECK_EQ_U64(ipv6_encode(out, 39, &h), 0);
	CHECK_EQ_U64(ipv6_encode(out, sizeof(out), &h), 40);
	CHECK(memcmp(out, syn_ip6, 40) == 0);
}

static void test_ipv6_round_trip(void)
{
	uint8_t buf[40 + 16] = {0};
	struct ipv6_hdr h = {.tclass = (46 << 2) | 2,
			     .flow = 0xabcde,
			     .plen = 16,
			     .nxt = IPV6_NH_NONE,
			     .hlim = 1,
			     .src = SRV6,
			     .dst = CLI6};
	CHECK_EQ_U64(ipv6_encode(buf, sizeof(buf), &h), 40);
	CHECK_EQ_U64(buf[0], 0x6b); /* version 6, tclass high nibble 0xb */
	struct ipv6_hdr d;
	CHECK_EQ_U64(ipv6_decode(buf, sizeof(buf), &d), 40);
	CHECK(d.tclass == h.tclass && d.flow == 0xabcde && d.plen == 16 && d.hlim == 1);
	CHECK(d.nxt == IPV6_NH_NONE && d.proto == IPV6_NH_NONE);
	CHECK(ipv6_addr_equal(&d.src, &SRV6) && ipv6_addr_equal(&d.dst, &CLI6));
}

static void test_ipv6_errors(void)
{
	uint8_t p[80] = {0};
	struct ipv6_hdr h;
	memcpy(p, syn_ip6, 40);

	CHECK_EQ_U64(ipv6_decode(p, 39, &h), ERR(IPV6_E_TRUNC));
	CHECK_EQ_U64(ipv6_decode(p, 0, &h), ERR(IPV6_E_TRUNC));
	CHECK_EQ_U64(ipv6_decode(p, 79, &h), ERR(IPV6_E_TRUNC)); /* payload length 40 */
	p[0] = 0x40;
	CHECK_EQ_U64(ipv6_decode(p, 80, &h), ERR(IPV6_E_VERSION));
	p[0] = 0x60;
	put_be16(p + 4, 0xffff);
	CHECK_EQ_U64(ipv6_decode(p, 80, &h), ERR(IPV6_E_TRUNC));
	put_be16(p + 4, 0); /* empty payload, next header TCP: the upper layer says it is short */
	CHECK_EQ_U64(ipv6_decode(p, 80, &h), 40);
	CHECK_EQ_U64(h.plen, 0);
	CHECK(strcmp(ipv6_strerror(IPV6_E_FRAG), "IPv6 fragment") == 0);
	CHECK(strcmp(ipv6_strerror(IPV6_E_EXT), "IPv6 extension header refused") == 0);
	CHECK(ipv6_strerror(-42) != NULL && strcmp(ipv6_strerror(40), "ok") == 0);
}

/* A packet whose payload is the extension headers ext[0, n) then 20 bytes of upper layer. */
static size_t with_ext(uint8_t *p, uint8_t first, const uint8_t *ext, size_t n)
{
	memset(p, 0, 40 + n + 20);
	memcpy(p, syn_ip6, 40);
	p[6] = first;
	put_be16(p + 4, (uint16_t)(n + 20));
	memcpy(p + 40, ext, n);
	return 40 + n + 20;
}

static void test_ipv6_ext_headers(void)
{
	uint8_t p[40 + 128 + 20];
	struct ipv6_hdr h;
	size_t n;

	/* Hop-by-Hop with Pad1, PadN and a skippable unknown option (type 0x1e: action 00). */
	static const uint8_t hbh[8] = {IPV6_NH_TCP, 0, 0x00, 0x1e, 1, 0xaa, 0x01, 0x00};
	n = with_ext(p, IPV6_NH_HOPOPTS, hbh, sizeof(hbh));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), 48);
	CHECK(h.nxt == IPV6_NH_HOPOPTS && h.proto == IPV6_NH_TCP && h.hlen == 48);

	/* Unknown options whose action bits say discard (01, 10, 11), e.g. the Jumbo option. */
	for (unsigned act = 1; act < 4; act++) {
		uint8_t x[8] = {IPV6_NH_TCP, 0, (uint8_t)(act << 6 | 0x1e), 4, 0, 0, 0, 0};
		n = with_ext(p, IPV6_NH_DSTOPTS, x, sizeof(x));
		CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_EXT));
	}
	/* An option running past its header; a lone type byte at the end. */
	static const uint8_t past[8] = {IPV6_NH_TCP, 0, 0x1e, 5, 0, 0, 0, 0};
	n = with_ext(p, IPV6_NH_DSTOPTS, past, sizeof(past));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_EXT));
	static const uint8_t lone[8] = {IPV6_NH_TCP, 0, 1, 3, 0, 0, 0, 0x1e};
	n = with_ext(p, IPV6_NH_DSTOPTS, lone, sizeof(lone));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_EXT));

	/* Hop-by-Hop anywhere but first (RFC 8200 section 4.3). */
	static const uint8_t dst_hbh[16] = {IPV6_NH_HOPOPTS, 0, 1, 4, 0, 0, 0, 0,
					    IPV6_NH_TCP,     0, 1, 4, 0, 0, 0, 0};
	n = with_ext(p, IPV6_NH_DSTOPTS, dst_hbh, sizeof(dst_hbh));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_EXT));

	/* Routing: Segments Left 0 is skipped, anything else refused (we forward nothing). */
	uint8_t rt[24] = {IPV6_NH_ICMPV6, 2, 0, 0};
	n = with_ext(p, IPV6_NH_ROUTING, rt, sizeof(rt));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), 64);
	CHECK_EQ_U64(h.proto, IPV6_NH_ICMPV6);
	rt[3] = 1;
	n = with_ext(p, IPV6_NH_ROUTING, rt, sizeof(rt));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_EXT));

	/* Fragment header: an atomic fragment (RFC 6946) is the whole packet; any offset or M
	 * is a real fragment. The reserved bits are ignored. */
	uint8_t fr[8] = {IPV6_NH_TCP, 0, 0x00, 0x06, 1, 2, 3, 4};
	n = with_ext(p, IPV6_NH_FRAGMENT, fr, sizeof(fr));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), 48);
	CHECK_EQ_U64(h.proto, IPV6_NH_TCP);
	fr[3] = 0x01; /* M */
	n = with_ext(p, IPV6_NH_FRAGMENT, fr, sizeof(fr));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_FRAG));
	fr[2] = 0x05; /* offset 181 * 8, M clear */
	fr[3] = 0xa8;
	n = with_ext(p, IPV6_NH_FRAGMENT, fr, sizeof(fr));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_FRAG));

	/* A chain of IPV6_EXT_MAX headers passes, one more is refused. */
	uint8_t chain[(IPV6_EXT_MAX + 1) * 8] = {0};
	for (int i = 0; i <= IPV6_EXT_MAX; i++) {
		chain[i * 8] = i == IPV6_EXT_MAX ? IPV6_NH_TCP : IPV6_NH_DSTOPTS;
		chain[i * 8 + 2] = 1; /* PadN of 4 */
		chain[i * 8 + 3] = 4;
	}
	chain[(IPV6_EXT_MAX - 1) * 8] = IPV6_NH_TCP;
	n = with_ext(p, IPV6_NH_DSTOPTS, chain, IPV6_EXT_MAX * 8);
	CHECK_EQ_U64(ipv6_decode(p, n, &h), 40 + IPV6_EXT_MAX * 8);
	chain[(IPV6_EXT_MAX - 1) * 8] = IPV6_NH_DSTOPTS;
	n = with_ext(p, IPV6_NH_DSTOPTS, chain, sizeof(chain));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_EXT));

	/* Extension headers never reach past the payload length, whatever the buffer holds. */
	uint8_t big[16] = {IPV6_NH_TCP, 1, 1, 12};
	n = with_ext(p, IPV6_NH_DSTOPTS, big, sizeof(big));
	put_be16(p + 4, 12); /* the header says 16 bytes, the payload is 12 */
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_TRUNC));
	put_be16(p + 4, 4); /* fewer than 8 bytes for any extension header */
	CHECK_EQ_U64(ipv6_decode(p, n, &h), ERR(IPV6_E_TRUNC));
	put_be16(p + 4, 16); /* exactly the header, no upper layer */
	CHECK_EQ_U64(ipv6_decode(p, n, &h), 56);

	/* No Next Header: decodes, proto 59, nothing to deliver. */
	static const uint8_t none[8] = {IPV6_NH_NONE, 0, 1, 4, 0, 0, 0, 0};
	n = with_ext(p, IPV6_NH_DSTOPTS, none, sizeof(none));
	CHECK_EQ_U64(ipv6_decode(p, n, &h), 48);
	CHECK_EQ_U64(h.proto, IPV6_NH_NONE);
}

static void test_ipv6_text(void)
{
	char s[IPV6_STR_LEN];
	struct ipv6_addr a;
	CHECK(strcmp(ipv6_format(&SRV6, s), "2001:2::1") == 0);
	CHECK_EQ_U64(ipv6_parse("2001:2::2", &a), 0);
	CHECK(ipv6_addr_equal(&a, &CLI6));
	CHECK_EQ_U64(ipv6_parse("2001:0002:0:0:0:0:0:0002", &a), 0);
	CHECK(ipv6_addr_equal(&a, &CLI6));
	CHECK_EQ_U64(ipv6_parse("::", &a), 0);
	CHECK(ipv6_addr_is_unspecified(&a));
	CHECK(strcmp(ipv6_format(&a, s), "::") == 0);
	CHECK_EQ_U64(ipv6_parse("::1", &a), 0);
	CHECK(ipv6_addr_is_loopback(&a) && !ipv6_addr_is_unspecified(&a));
	CHECK_EQ_U64(ipv6_parse("::ffff:198.18.0.1", &a), 0);
	CHECK(ipv6_addr_is_v4mapped(&a));
	CHECK(strcmp(ipv6_format(&a, s), "::ffff:198.18.0.1") == 0);
	CHECK_EQ_U64(ipv6_parse("fe80::1", &a), 0);
	CHECK(ipv6_addr_is_link_local(&a) && !ipv6_addr_is_multicast(&a));
	/* RFC 5952: the longest zero run is compressed, lower case. */
	CHECK_EQ_U64(ipv6_parse("2001:DB8:0:0:1:0:0:1", &a), 0);
	CHECK(strcmp(ipv6_format(&a, s), "2001:db8::1:0:0:1") == 0);
	static const char *const bad[] = {"", "2001:2::1::2", "2001:2::1%eth0", "2001:2::/48",
					  "12345::", "1:2:3:4:5:6:7:8:9", " ::1", "::1 ",
					  "198.18.0.1", "g::1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = SRV6;
		CHECK_EQ_U64(ipv6_parse(bad[i], &a), ERR(-1));
		CHECK(ipv6_addr_equal(&a, &SRV6));
	}
	CHECK_EQ_U64(ipv6_parse(NULL, &a), ERR(-1));
}

static void test_ipv6_multicast_maps(void)
{
	struct ipv6_addr t, want;
	CHECK_EQ_U64(ipv6_parse("2001:2::12:3456:789a", &t), 0);
	CHECK_EQ_U64(ipv6_parse("ff02::1:ff56:789a", &want), 0);
	struct ipv6_addr snm = ipv6_solicited_node(&t);
	CHECK(ipv6_addr_equal(&snm, &want) && ipv6_addr_is_multicast(&snm));
	struct mac_addr m = ipv6_multicast_mac(&snm);
	static const struct mac_addr mw = {{0x33, 0x33, 0xff, 0x56, 0x78, 0x9a}};
	CHECK(mac_equal(&m, &mw) && mac_is_multicast(&m));
}

/* The pseudo-header sum agrees with RFC 8200 section 8.1's layout summed naively. */
static void test_ipv6_pseudo_header(void)
{
	for (int i = 0; i < 200; i++) {
		uint8_t ph[40];
		test_fill(ph, 32);
		uint32_t len = (uint32_t)test_rand() & (i & 1 ? 0xffff : 0xffffffffu);
		uint8_t proto = (uint8_t)test_rand();
		put_be32(ph + 32, len);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		CHECK_EQ_U64(csum_reduce(csum_pseudo_ipv6(ph, ph + 16, proto, len)),
			     naive_sum(ph, sizeof(ph)));
	}
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_ipv6_known);
	RUN(test_ipv6_round_trip);
	RUN(test_ipv6_errors);
	RUN(test_ipv6_ext_headers);
	RUN(test_ipv6_text);
	RUN(test_ipv6_multicast_maps);
	RUN(test_ipv6_pseudo_header);
	RUN_DONE();
}
