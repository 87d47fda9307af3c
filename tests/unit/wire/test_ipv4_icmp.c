/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 and ICMP codecs: known answers, round trips, every decode error, address text. */
#include <string.h>

#include "../check.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define ERR(x) ((uint64_t)(int64_t)(x))

/* IPv4 header of a SYN 198.18.0.2 -> 198.18.0.1, id 0x1c46, DF, TTL 64, 60 bytes; tshark
 * confirms the header checksum 0x924e. Followed by 40 bytes standing in for the segment. */
static const uint8_t syn_ip[20] = {0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06,
				   0x92, 0x4e, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01};

static void test_ipv4_known(void)
{
	uint8_t pkt[64] = {0};
	memcpy(pkt, syn_ip, sizeof(syn_ip));
	struct ipv4_hdr h;
	CHECK_EQ_U64(ipv4_decode(pkt, 60, &h, true), 20);
	CHECK_EQ_U64(h.hlen, 20);
	CHECK_EQ_U64(h.tos, 0);
	CHECK_EQ_U64(h.tot_len, 60);
	CHECK_EQ_U64(h.id, 0x1c46);
	CHECK_EQ_U64(h.frag_off, IPV4_DF);
	CHECK(!ipv4_is_fragment(&h));
	CHECK_EQ_U64(h.ttl, 64);
	CHECK_EQ_U64(h.proto, IPV4_PROTO_TCP);
	CHECK_EQ_U64(h.csum, 0x924e);
	CHECK_EQ_U64(h.saddr, 0xc6120002);
	CHECK_EQ_U64(h.daddr, 0xc6120001);
	/* Link padding after the packet is fine. */
	CHECK_EQ_U64(ipv4_decode(pkt, sizeof(pkt), &h, true), 20);

	/* Encoding the decoded fields reproduces the bytes and the checksum. */
	uint8_t out[20];
	h.csum = 0;
	h.hlen = 0;
	CHECK_EQ_U64(ipv4_encode(out, 19, &h), 0);
	CHECK_EQ_U64(ipv4_encode(out, sizeof(out), &h), 20);
	CHECK(memcmp(out, syn_ip, 20) == 0);
	CHECK_EQ_U64(h.csum, 0x924e);
	CHECK_EQ_U64(h.hlen, 20);
}

static void test_ipv4_round_trip(void)
{
	uint8_t buf[100];
	struct ipv4_hdr h = {.tos = (46 << 2) | 1,
			     .tot_len = 100,
			     .id = 0xbeef,
			     .frag_off = IPV4_DF,
			     .ttl = 1,
			     .proto = IPV4_PROTO_ICMP,
			     .saddr = 0x0a000001,
			     .daddr = 0xffffffff};
	CHECK_EQ_U64(ipv4_encode(buf, sizeof(buf), &h), 20);
	struct ipv4_hdr d;
	CHECK_EQ_U64(ipv4_decode(buf, sizeof(buf), &d, true), 20);
	CHECK(d.tos == h.tos && d.tot_len == 100 && d.id == 0xbeef && d.frag_off == IPV4_DF);
	CHECK(d.ttl == 1 && d.proto == 1 && d.saddr == h.saddr && d.daddr == h.daddr);
	CHECK_EQ_U64(d.csum, h.csum);
	CHECK_EQ_U64(inet_csum(buf, 20), 0);
}

static void test_ipv4_errors(void)
{
	uint8_t p[64] = {0};
	struct ipv4_hdr h;
	memcpy(p, syn_ip, 20);

	CHECK_EQ_U64(ipv4_decode(p, 19, &h, true), ERR(IPV4_E_TRUNC));
	CHECK_EQ_U64(ipv4_decode(p, 0, &h, true), ERR(IPV4_E_TRUNC));
	CHECK_EQ_U64(ipv4_decode(p, 59, &h, true), ERR(IPV4_E_TRUNC)); /* total length 60 */

	p[0] = 0x65; /* version 6 */
	CHECK_EQ_U64(ipv4_decode(p, 60, &h, true), ERR(IPV4_E_VERSION));
	p[0] = 0x44; /* IHL 4 */
	CHECK_EQ_U64(ipv4_decode(p, 60, &h, true), ERR(IPV4_E_IHL));
	p[0] = 0x40; /* IHL 0 */
	CHECK_EQ_U64(ipv4_decode(p, 60, &h, true), ERR(IPV4_E_IHL));
	p[0] = 0x4f; /* IHL 15 = 60 bytes, buffer 40 */
	CHECK_EQ_U64(ipv4_decode(p, 40, &h, true), ERR(IPV4_E_TRUNC));
	p[0] = 0x45;

	put_be16(p + 2, 19); /* total length < header */
	CHECK_EQ_U64(ipv4_decode(p, 60, &h, false), ERR(IPV4_E_LEN));
	put_be16(p + 2, 0);
	CHECK_EQ_U64(ipv4_decode(p, 60, &h, false), ERR(IPV4_E_LEN));
	put_be16(p + 2, 61);
	CHECK_EQ_U64(ipv4_decode(p, 60, &h, false), ERR(IPV4_E_TRUNC));
	put_be16(p + 2, 60);

	p[8] = 63; /* TTL changed, checksum not */
	CHECK_EQ_U64(ipv4_decode(p, 60, &h, true), ERR(IPV4_E_CSUM));
	CHECK_EQ_U64(ipv4_decode(p, 60, &h, false), 20); /* hardware already checked */
	CHECK_EQ_U64(h.ttl, 63);
	p[8] = 64;

	/* Options (IHL 6: a NOP x4 word) are skipped and covered by the checksum. */
	uint8_t o[64] = {0};
	memcpy(o, syn_ip, 20);
	o[0] = 0x46;
	memset(o + 20, 1, 4);
	put_be16(o + 10, 0);
	put_be16(o + 10, inet_csum(o, 24));
	CHECK_EQ_U64(ipv4_decode(o, 60, &h, true), 24);
	CHECK_EQ_U64(h.hlen, 24);
	o[21] = 7;
	CHECK_EQ_U64(ipv4_decode(o, 60, &h, true), ERR(IPV4_E_CSUM));

	/* Fragments decode but are flagged. */
	struct ipv4_hdr f = {.tot_len = 40, .ttl = 9, .proto = 6, .frag_off = IPV4_MF};
	uint8_t fb[40] = {0};
	ipv4_encode(fb, sizeof(fb), &f);
	CHECK_EQ_U64(ipv4_decode(fb, sizeof(fb), &h, true), 20);
	CHECK(ipv4_is_fragment(&h));
	f.frag_off = 185; /* last fragment at offset 1480 */
	ipv4_encode(fb, sizeof(fb), &f);
	CHECK_EQ_U64(ipv4_decode(fb, sizeof(fb), &h, true), 20);
	CHECK(ipv4_is_fragment(&h));
	f.frag_off = IPV4_DF;
	ipv4_encode(fb, sizeof(fb), &f);
	CHECK_EQ_U64(ipv4_decode(fb, sizeof(fb), &h, true), 20);
	CHECK(!ipv4_is_fragment(&h));

	CHECK(strcmp(ipv4_strerror(IPV4_E_CSUM), "bad IPv4 header checksum") == 0);
	CHECK(ipv4_strerror(-42) != NULL);
}

static void test_ipv4_text(void)
{
	char s[IPV4_STR_LEN];
	uint32_t a = 0;
	CHECK(strcmp(ipv4_format(0xc6120001, s), "198.18.0.1") == 0);
	CHECK(strcmp(ipv4_format(0xffffffff, s), "255.255.255.255") == 0);
	CHECK(strcmp(ipv4_format(0, s), "0.0.0.0") == 0);
	CHECK_EQ_U64(ipv4_parse("198.18.0.2", &a), 0);
	CHECK_EQ_U64(a, 0xc6120002);
	CHECK_EQ_U64(ipv4_parse("255.255.255.255", &a), 0);
	CHECK_EQ_U64(a, 0xffffffff);
	CHECK_EQ_U64(ipv4_parse("0.0.0.0", &a), 0);
	CHECK_EQ_U64(a, 0);
	static const char *const bad[] = {
	    "",		  "1.2.3",    "1.2.3.4.5", "256.0.0.1", "01.2.3.4",
	    "1..2.3",	  "1.2.3.4 ", " 1.2.3.4",  "-1.2.3.4",	"1.2.3.4x",
	    "1234.1.1.1", "1.2.3.",   ".1.2.3",	   "0x1.2.3.4", "1.2.3.0004",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = 7;
		CHECK_EQ_U64(ipv4_parse(bad[i], &a), (uint64_t)(int64_t)-1);
		CHECK_EQ_U64(a, 7);
	}
	CHECK_EQ_U64(ipv4_parse(NULL, &a), (uint64_t)(int64_t)-1);
}

static void test_icmp(void)
{
	/* Echo request id 0x1234 seq 1, 56 data bytes 0..55: tshark confirms checksum 0xeeb7. */
	uint8_t data[56];
	for (int i = 0; i < 56; i++)
		data[i] = (uint8_t)i;
	uint8_t msg[64];
	CHECK_EQ_U64(icmp_encode_echo(msg, 63, ICMP_TYPE_ECHO_REQUEST, 0x1234, 1, data, 56), 0);
	CHECK_EQ_U64(icmp_encode_echo(msg, 64, ICMP_TYPE_ECHO_REQUEST, 0x1234, 1, data, 56), 64);
	CHECK_EQ_U64(get_be16(msg + 2), 0xeeb7);

	struct icmp_msg m;
	CHECK_EQ_U64(icmp_decode(msg, sizeof(msg), &m, true), 0);
	CHECK(m.type == ICMP_TYPE_ECHO_REQUEST && m.code == 0 && m.csum == 0xeeb7);
	CHECK(m.id == 0x1234 && m.seq == 1 && m.data == msg + 8 && m.data_len == 56);

	uint8_t rep[64];
	CHECK_EQ_U64(icmp_echo_reply(rep, 63, &m), 0);
	CHECK_EQ_U64(icmp_echo_reply(rep, sizeof(rep), &m), 64);
	struct icmp_msg r;
	CHECK_EQ_U64(icmp_decode(rep, sizeof(rep), &r, true), 0);
	CHECK(r.type == ICMP_TYPE_ECHO_REPLY && r.code == 0 && r.id == 0x1234 && r.seq == 1);
	CHECK(r.data_len == 56 && memcmp(r.data, data, 56) == 0);
	/* Only the type changed: RFC 1624 says the checksum moves by exactly 0x0800. */
	CHECK_EQ_U64(r.csum, csum_update16(0xeeb7, 0x0800, 0x0000));
	CHECK_EQ_U64(icmp_echo_reply(rep, sizeof(rep), &r), 0); /* a reply is not answered */

	/* In place, odd data length, empty data. */
	uint8_t odd[8 + 5];
	CHECK_EQ_U64(icmp_encode_echo(odd, sizeof(odd), 8, 7, 9, data, 5), 13);
	CHECK_EQ_U64(icmp_decode(odd, sizeof(odd), &m, true), 0);
	CHECK_EQ_U64(icmp_echo_reply(odd, sizeof(odd), &m), 13);
	CHECK_EQ_U64(icmp_decode(odd, sizeof(odd), &r, true), 0);
	CHECK(r.type == 0 && r.data_len == 5 && memcmp(r.data, data, 5) == 0);
	CHECK_EQ_U64(icmp_encode_echo(odd, 8, 8, 7, 9, NULL, 0), 8);
	CHECK_EQ_U64(icmp_decode(odd, 8, &m, true), 0);
	CHECK_EQ_U64(m.data_len, 0);

	/* Errors. */
	CHECK_EQ_U64(icmp_decode(msg, 7, &m, true), ERR(ICMP_E_TRUNC));
	CHECK_EQ_U64(icmp_decode(msg, 0, &m, false), ERR(ICMP_E_TRUNC));
	msg[40] ^= 0x10;
	CHECK_EQ_U64(icmp_decode(msg, sizeof(msg), &m, true), ERR(ICMP_E_CSUM));
	CHECK_EQ_U64(icmp_decode(msg, sizeof(msg), &m, false), 0);
	CHECK_EQ_U64(icmp_decode(msg, 63, &m, true), ERR(ICMP_E_CSUM)); /* length matters */
	CHECK(strcmp(icmp_strerror(ICMP_E_CSUM), "bad ICMP checksum") == 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_ipv4_known);
	RUN(test_ipv4_round_trip);
	RUN(test_ipv4_errors);
	RUN(test_ipv4_text);
	RUN(test_icmp);
	RUN_DONE();
}
