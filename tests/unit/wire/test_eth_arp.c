/* SPDX-License-Identifier: BSD-2-Clause */
/* Ethernet and ARP codecs: round trips, every decode error, MAC text forms. */
#include <string.h>

#include "../check.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/eth.h"

/* ARP who-has 198.18.0.1 tell 198.18.0.2, as on the wire (broadcast, padded to 60 bytes). */
static const uint8_t arp_req_frame[60] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
    0xc6, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x01,
};

static void test_eth_decode(void)
{
	struct eth_hdr e;
	CHECK_EQ_U64(eth_decode(arp_req_frame, sizeof(arp_req_frame), &e), ETH_HDR_LEN);
	CHECK(mac_is_broadcast(&e.dst));
	CHECK(mac_is_multicast(&e.dst));
	CHECK(!mac_is_multicast(&e.src));
	CHECK_EQ_U64(e.src.b[5], 2);
	CHECK_EQ_U64(e.type, ETH_P_ARP);
	CHECK_EQ_U64(e.has_vlan, 0);
	CHECK_EQ_U64(e.hlen, 14);

	CHECK_EQ_U64(eth_decode(arp_req_frame, 13, &e), (uint64_t)(int64_t)ETH_E_TRUNC);
	CHECK_EQ_U64(eth_decode(arp_req_frame, 0, &e), (uint64_t)(int64_t)ETH_E_TRUNC);
	CHECK_EQ_U64(eth_decode(arp_req_frame, 14, &e), 14); /* header only is fine */

	/* 802.1Q tag: PCP 5, VID 100, inner type IPv4. */
	uint8_t tagged[18];
	memcpy(tagged, arp_req_frame, 12);
	put_be16(tagged + 12, ETH_P_8021Q);
	put_be16(tagged + 14, (5u << 13) | 100);
	put_be16(tagged + 16, ETH_P_IPV4);
	CHECK_EQ_U64(eth_decode(tagged, sizeof(tagged), &e), 18);
	CHECK_EQ_U64(e.has_vlan, 1);
	CHECK_EQ_U64(eth_vid(e.vlan_tci), 100);
	CHECK_EQ_U64(e.vlan_tci >> 13, 5);
	CHECK_EQ_U64(e.type, ETH_P_IPV4);
	CHECK_EQ_U64(eth_decode(tagged, 17, &e), (uint64_t)(int64_t)ETH_E_TRUNC);
	CHECK_EQ_U64(eth_decode(tagged, 14, &e), (uint64_t)(int64_t)ETH_E_TRUNC);
	put_be16(tagged + 12, ETH_P_8021AD);
	CHECK_EQ_U64(eth_decode(tagged, sizeof(tagged), &e), 18);
}

static void test_eth_encode(void)
{
	struct eth_hdr e = {.dst = {{1, 2, 3, 4, 5, 6}},
			    .src = {{7, 8, 9, 10, 11, 12}},
			    .type = ETH_P_IOTCP,
			    .has_vlan = 1,
			    .vlan_tci = 42};
	uint8_t buf[32];
	CHECK_EQ_U64(eth_encode(buf, 17, &e), 0);
	CHECK_EQ_U64(eth_encode(buf, sizeof(buf), &e), 18);
	CHECK_EQ_U64(e.hlen, 18);
	CHECK_EQ_U64(get_be16(buf + 12), ETH_P_8021Q);
	struct eth_hdr d;
	CHECK_EQ_U64(eth_decode(buf, 18, &d), 18);
	CHECK(mac_equal(&d.dst, &e.dst) && mac_equal(&d.src, &e.src));
	CHECK_EQ_U64(d.type, ETH_P_IOTCP);
	CHECK_EQ_U64(d.vlan_tci, 42);

	e.has_vlan = 0;
	CHECK_EQ_U64(eth_encode(buf, 13, &e), 0);
	CHECK_EQ_U64(eth_encode(buf, 14, &e), 14);
	CHECK_EQ_U64(get_be16(buf + 12), 0x88b5);
	CHECK_EQ_U64(eth_encode_simple(buf, 13, &e.dst, &e.src, ETH_P_IPV4), 0);
	CHECK_EQ_U64(eth_encode_simple(buf, 14, &e.dst, &e.src, ETH_P_IPV4), 14);
	CHECK_EQ_U64(eth_decode(buf, 14, &d), 14);
	CHECK_EQ_U64(d.type, ETH_P_IPV4);
	CHECK(mac_equal(&d.src, &e.src));
}

static void test_mac_text(void)
{
	struct mac_addr m, orig = {{0x02, 0xab, 0x00, 0xff, 0x10, 0x9c}};
	char s[MAC_STR_LEN];
	CHECK(strcmp(mac_format(&orig, s), "02:ab:00:ff:10:9c") == 0);
	CHECK_EQ_U64(mac_parse(s, &m), 0);
	CHECK(mac_equal(&m, &orig));
	CHECK_EQ_U64(mac_parse("02-AB-00-FF-10-9C", &m), 0);
	CHECK(mac_equal(&m, &orig));

	struct mac_addr keep = {{9, 9, 9, 9, 9, 9}};
	static const char *const bad[] = {
	    "",
	    "02:ab:00:ff:10",
	    "02:ab:00:ff:10:9c:",
	    "02:ab:00:ff:10:9c:00",
	    "02:ab:00:ff:10:9",
	    "2:ab:00:ff:10:9c",
	    "02:ab:00:ff:10:9g",
	    "02:ab-00:ff:10:9c",
	    "02ab00ff109c",
	    "02:ab:00:ff:10:9c ",
	    " 02:ab:00:ff:10:9c",
	    "02::ab:00:ff:10",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = keep;
		CHECK(mac_parse(bad[i], &m) == -1);
		CHECK(mac_equal(&m, &keep));
	}
	CHECK(mac_parse(NULL, &m) == -1);

	struct mac_addr z = {{0}}, b = mac_broadcast();
	CHECK(mac_is_zero(&z) && !mac_is_zero(&b));
	CHECK(mac_is_broadcast(&b) && !mac_is_broadcast(&orig));
}

static void test_arp(void)
{
	const uint8_t *p = arp_req_frame + ETH_HDR_LEN;
	size_t n = sizeof(arp_req_frame) - ETH_HDR_LEN; /* includes Ethernet padding */
	struct arp_pkt a;
	CHECK_EQ_U64(arp_decode(p, n, &a), 0);
	CHECK_EQ_U64(a.op, ARP_OP_REQUEST);
	CHECK_EQ_U64(a.spa, 0xc6120002);
	CHECK_EQ_U64(a.tpa, 0xc6120001);
	CHECK_EQ_U64(a.sha.b[5], 2);
	CHECK(mac_is_zero(&a.tha));

	/* Re-encoding gives the same 28 bytes. */
	uint8_t buf[ARP_LEN];
	CHECK_EQ_U64(arp_encode(buf, ARP_LEN - 1, &a), 0);
	CHECK_EQ_U64(arp_encode(buf, sizeof(buf), &a), ARP_LEN);
	CHECK(memcmp(buf, p, ARP_LEN) == 0);

	/* Reply, also in place. */
	struct mac_addr me = {{0x02, 0, 0, 0, 0, 1}};
	struct arp_pkt r;
	arp_make_reply(&a, &me, &r);
	CHECK_EQ_U64(r.op, ARP_OP_REPLY);
	CHECK(mac_equal(&r.sha, &me) && mac_equal(&r.tha, &a.sha));
	CHECK_EQ_U64(r.spa, 0xc6120001);
	CHECK_EQ_U64(r.tpa, 0xc6120002);
	struct arp_pkt inplace = a;
	arp_make_reply(&inplace, &me, &inplace);
	CHECK(memcmp(&inplace, &r, sizeof(r)) == 0);
	CHECK_EQ_U64(arp_encode(buf, sizeof(buf), &r), ARP_LEN);
	struct arp_pkt r2;
	CHECK_EQ_U64(arp_decode(buf, sizeof(buf), &r2), 0);
	CHECK(r2.op == ARP_OP_REPLY && r2.spa == r.spa && r2.tpa == r.tpa);
	CHECK(mac_equal(&r2.sha, &me) && mac_equal(&r2.tha, &a.sha));

	/* Every decode error. */
	uint8_t m[ARP_LEN];
	CHECK_EQ_U64(arp_decode(p, ARP_LEN - 1, &a), (uint64_t)(int64_t)ARP_E_TRUNC);
	CHECK_EQ_U64(arp_decode(p, 0, &a), (uint64_t)(int64_t)ARP_E_TRUNC);
	static const struct {
		size_t off;
		uint8_t val;
		int err;
	} cases[] = {
	    {1, 6, ARP_E_FORMAT},		       /* htype 6 (IEEE 802) */
	    {0, 1, ARP_E_FORMAT},		       /* htype 0x0101 */
	    {2, 0x86, ARP_E_FORMAT},		       /* ptype 0x8600 */
	    {3, 0x01, ARP_E_FORMAT},		       /* ptype 0x0801 */
	    {4, 8, ARP_E_FORMAT},		       /* hlen */
	    {5, 16, ARP_E_FORMAT},		       /* plen */
	    {7, 3, ARP_E_OP},			       /* RARP request */
	    {7, 0, ARP_E_OP},	     {6, 1, ARP_E_OP}, /* op 0x0101 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(m, p, ARP_LEN);
		m[cases[i].off] = cases[i].val;
		CHECK_EQ_U64(arp_decode(m, sizeof(m), &a), (uint64_t)(int64_t)cases[i].err);
	}
	CHECK(strcmp(arp_strerror(ARP_E_OP), "bad ARP operation") == 0);
	CHECK(arp_strerror(-99) != NULL);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_eth_decode);
	RUN(test_eth_encode);
	RUN(test_mac_text);
	RUN(test_arp);
	RUN_DONE();
}
