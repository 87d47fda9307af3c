/* SPDX-License-Identifier: BSD-2-Clause */
/* The TCP segment quoted by ICMP and ICMPv6 errors (wire/icmp_quote.c): the fields a sender
 * needs from a truncated invoking packet, and every decode error. */
#include <string.h>

#include "../check.h"
#include "wire/bytes.h"
#include "wire/icmp_quote.h"

#define ERR(x) ((uint64_t)(int64_t)(x))

/* IPv4 header of a data segment 198.18.0.1:80 -> 198.18.0.2:40000 (total length 1500, DF),
 * as a router quotes it: header + the first 8 bytes of TCP. */
static void ipv4_quote(uint8_t *p)
{
	static const uint8_t ip[20] = {0x45, 0, 0x05, 0xdc, 0, 1, 0x40, 0,  64, 6,
				       0,    0, 198,  18,   0, 1, 198,	18, 0,	2};
	memcpy(p, ip, sizeof(ip));
	put_be16(p + 20, 80);
	put_be16(p + 22, 40000);
	put_be32(p + 24, 0xfffffff0u);
}

static void test_ipv4(void)
{
	uint8_t p[40];
	struct icmp_quote_tcp q;
	ipv4_quote(p);
	CHECK_EQ_U64(icmp_quote_tcp4(p, 28, &q), 0);
	CHECK_EQ_U64(q.version, 4);
	CHECK_EQ_U64(q.saddr, 0xc6120001u);
	CHECK_EQ_U64(q.daddr, 0xc6120002u);
	CHECK_EQ_U64(q.sport, 80);
	CHECK_EQ_U64(q.dport, 40000);
	CHECK_EQ_U64(q.seq, 0xfffffff0u);
	/* IP options move the TCP header */
	uint8_t o[40];
	memcpy(o, p, 20);
	o[0] = 0x46;
	memset(o + 20, 1, 4); /* NOP options */
	memcpy(o + 24, p + 20, 8);
	CHECK_EQ_U64(icmp_quote_tcp4(o, 32, &q), 0);
	CHECK_EQ_U64(q.dport, 40000);
	CHECK_EQ_U64(icmp_quote_tcp4(o, 31, &q), ERR(ICMP_QUOTE_E_TRUNC));
	/* errors */
	CHECK_EQ_U64(icmp_quote_tcp4(p, 27, &q), ERR(ICMP_QUOTE_E_TRUNC));
	CHECK_EQ_U64(icmp_quote_tcp4(p, 0, &q), ERR(ICMP_QUOTE_E_TRUNC));
	p[0] = 0x65;
	CHECK_EQ_U64(icmp_quote_tcp4(p, 28, &q), ERR(ICMP_QUOTE_E_VERSION));
	p[0] = 0x44; /* IHL below 5 */
	CHECK_EQ_U64(icmp_quote_tcp4(p, 28, &q), ERR(ICMP_QUOTE_E_VERSION));
	p[0] = 0x45;
	p[9] = 17;
	CHECK_EQ_U64(icmp_quote_tcp4(p, 28, &q), ERR(ICMP_QUOTE_E_PROTO));
	p[9] = 6;
	p[7] = 0xb9; /* fragment offset 185 (x 8 bytes) */
	CHECK_EQ_U64(icmp_quote_tcp4(p, 28, &q), ERR(ICMP_QUOTE_E_FRAG));
	p[7] = 0;
	p[6] = 0x20; /* MF, offset 0: the first fragment carries the TCP header */
	CHECK_EQ_U64(icmp_quote_tcp4(p, 28, &q), 0);
	for (int e = 0; e >= -5; e--)
		CHECK(icmp_quote_strerror(e) != NULL);
}

static void test_ipv6(void)
{
	uint8_t p[48] = {0x60, 0, 0, 0, 0x05, 0xb4, 6, 64};
	struct ipv6_addr a = {{0x20, 0x01, 0, 2, [15] = 1}}, b = {{0x20, 0x01, 0, 2, [15] = 2}};
	memcpy(p + 8, a.b, 16);
	memcpy(p + 24, b.b, 16);
	put_be16(p + 40, 443);
	put_be16(p + 42, 51000);
	put_be32(p + 44, 12345);
	struct icmp_quote_tcp q;
	CHECK_EQ_U64(icmp_quote_tcp6(p, 48, &q), 0);
	CHECK_EQ_U64(q.version, 6);
	CHECK(ipv6_addr_equal(&q.src6, &a) && ipv6_addr_equal(&q.dst6, &b));
	CHECK_EQ_U64(q.sport, 443);
	CHECK_EQ_U64(q.dport, 51000);
	CHECK_EQ_U64(q.seq, 12345);
	CHECK_EQ_U64(icmp_quote_tcp6(p, 47, &q), ERR(ICMP_QUOTE_E_TRUNC));
	p[6] = 0; /* a Hop-by-Hop header first: this stack never sends one */
	CHECK_EQ_U64(icmp_quote_tcp6(p, 48, &q), ERR(ICMP_QUOTE_E_PROTO));
	p[6] = 6;
	p[0] = 0x45;
	CHECK_EQ_U64(icmp_quote_tcp6(p, 48, &q), ERR(ICMP_QUOTE_E_VERSION));
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_ipv4);
	RUN(test_ipv6);
	RUN_DONE();
}
