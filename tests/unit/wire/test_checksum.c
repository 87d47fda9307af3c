/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 1071 checksum against a naive reference; RFC 1624 incremental updates against full
 * recomputation; known answers. */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/tcp_hdr.h"
#include "wire_test_util.h"

#define MAXLEN 2000

static void test_known_answers(void)
{
	/* RFC 1071 section 3 example: one's complement sum 0xddf2. */
	static const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	CHECK_EQ_U64(csum_reduce(csum_partial(rfc, sizeof(rfc), 0)), 0xddf2);
	CHECK_EQ_U64(inet_csum(rfc, sizeof(rfc)), 0x220d);

	/* A classic IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) whose checksum is 0xb861. */
	uint8_t ip[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	CHECK_EQ_U64(inet_csum(ip, sizeof(ip)), 0xb861);
	put_be16(ip + 10, 0xb861);
	CHECK_EQ_U64(inet_csum(ip, sizeof(ip)), 0);

	/* The TCP part of a SYN 198.18.0.2:40000 -> 198.18.0.1:80 (MSS 1460, SACK-permitted,
	 * TS 0x01020304/0, NOP, WS 7); tshark confirms checksum 0xb7a4. */
	uint8_t syn[40] = {0x9c, 0x40, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
			   0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xb7, 0xa4, 0x00, 0x00,
			   0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x01, 0x02,
			   0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
	uint32_t cli = 0xc6120002, srv = 0xc6120001;
	CHECK_EQ_U64(tcp_csum_ipv4(cli, srv, syn, sizeof(syn)), 0);
	put_be16(syn + 16, 0);
	CHECK_EQ_U64(tcp_csum_ipv4(cli, srv, syn, sizeof(syn)), 0xb7a4);
	/* Swapped addresses sum the same (commutative), a different address does not. */
	CHECK_EQ_U64(tcp_csum_ipv4(srv, cli, syn, sizeof(syn)), 0xb7a4);
	CHECK(tcp_csum_ipv4(cli, srv + 1, syn, sizeof(syn)) != 0xb7a4);

	/* Pseudo-header partial: 0xc612 + 0x0002 + 0xc612 + 0x0001 + 6 + 40. */
	uint32_t want = 0xc612u + 2 + 0xc612u + 1 + 6 + 40;
	want = (want & 0xffff) + (want >> 16);
	CHECK_EQ_U64(csum_reduce(csum_pseudo_ipv4(cli, srv, 6, 40)), want);

	CHECK_EQ_U64(inet_csum(NULL, 0), 0xffff);
	static const uint8_t one = 0xab;
	CHECK_EQ_U64(inet_csum(&one, 1), (uint16_t)~0xab00);
}

static void test_against_naive(void)
{
	static uint8_t buf[MAXLEN + 16];
	test_fill(buf, sizeof(buf));
	unsigned bad = 0;
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len <= MAXLEN; len++) {
			const uint8_t *p = buf + off;
			uint16_t want = naive_csum(p, len);
			if (inet_csum(p, len) != want)
				bad++;
			/* An incoming partial sum is added (end-around carry). */
			uint32_t seed = (uint32_t)test_rand() & 0xffff;
			uint32_t ws = (uint32_t)naive_sum(p, len) + seed;
			ws = (ws & 0xffff) + (ws >> 16);
			if (csum_reduce(csum_partial(p, len, seed)) != ws)
				bad++;
		}
	}
	CHECK_EQ_U64(bad, 0);

	/* All-ones data: the sum stays 0xffff (no spurious +0 / -0 flip). */
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ_U64(inet_csum(buf, 1500), 0);
	CHECK_EQ_U64(inet_csum(buf, 1501), naive_csum(buf, 1501));
}

static void test_large(void)
{
	size_t n = (1u << 20) + 3;
	uint8_t *p = malloc(n);
	CHECK(p != NULL);
	if (!p)
		return;
	test_fill(p, n);
	CHECK_EQ_U64(inet_csum(p, n), naive_csum(p, n));
	CHECK_EQ_U64(inet_csum(p + 1, n - 1), naive_csum(p + 1, n - 1));
	free(p);
}

static void test_block_add_and_copy(void)
{
	static uint8_t buf[MAXLEN], dst[MAXLEN + 1];
	test_fill(buf, sizeof(buf));
	unsigned bad = 0;
	for (int it = 0; it < 2000; it++) {
		size_t len = (size_t)(test_rand() % MAXLEN);
		/* Split into up to 4 pieces at random (odd or even) points. */
		size_t cut[5] = {0, 0, 0, 0, len};
		for (int k = 1; k < 4; k++)
			cut[k] = len ? (size_t)(test_rand() % (len + 1)) : 0;
		for (int a = 1; a < 4; a++) /* sort cut[1..3] */
			for (int b = a + 1; b < 4; b++)
				if (cut[b] < cut[a]) {
					size_t t = cut[a];
					cut[a] = cut[b];
					cut[b] = t;
				}
		uint32_t s = 0;
		for (int k = 0; k < 4; k++) {
			size_t n = cut[k + 1] - cut[k];
			uint32_t part = csum_partial_copy(dst + 1 + cut[k], buf + cut[k], n, 0);
			s = csum_block_add(s, part, cut[k]);
		}
		if (csum_fold(s) != naive_csum(buf, len))
			bad++;
		if (memcmp(dst + 1, buf, len) != 0)
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
}

/* RFC 1624: after changing a field, the incremental update equals a full recomputation and
 * the message still verifies. */
static void test_incremental(void)
{
	uint8_t msg[64];
	unsigned bad = 0;
	for (int it = 0; it < 20000; it++) {
		size_t len = 4 + 2 * (size_t)(test_rand() % 30); /* even, 4..62 */
		test_fill(msg, len);
		put_be16(msg, 0); /* checksum field at offset 0 */
		uint16_t c = inet_csum(msg, len);
		put_be16(msg, c);

		size_t off16 = 2 + 2 * (size_t)(test_rand() % ((len - 2) / 2));
		uint16_t old16 = get_be16(msg + off16);
		uint16_t new16 = (it % 7 == 0) ? (uint16_t)~old16 : (uint16_t)test_rand();
		put_be16(msg + off16, new16);
		uint16_t inc = csum_update16(c, old16, new16);
		put_be16(msg, 0);
		if (inc != inet_csum(msg, len))
			bad++;
		put_be16(msg, inc);
		if (inet_csum(msg, len) != 0)
			bad++;

		if (len >= 6) {
			size_t off32 = 2 + 2 * (size_t)(test_rand() % ((len - 4) / 2));
			uint32_t old32 = get_be32(msg + off32);
			uint32_t new32 = (uint32_t)test_rand();
			put_be32(msg + off32, new32);
			uint16_t inc32 = csum_update32(inc, old32, new32);
			put_be16(msg, 0);
			if (inc32 != inet_csum(msg, len))
				bad++;
		}
	}
	CHECK_EQ_U64(bad, 0);

	/* A TCP sequence number rewrite on the known SYN (what the NIC does per segment). */
	uint8_t syn[40] = {0x9c, 0x40, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
			   0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xb7, 0xa4, 0x00, 0x00,
			   0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x01, 0x02,
			   0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
	put_be32(syn + 4, 0xfedcba98);
	put_be16(syn + 16, csum_update32(0xb7a4, 0x12345678, 0xfedcba98));
	CHECK_EQ_U64(tcp_csum_ipv4(0xc6120002, 0xc6120001, syn, sizeof(syn)), 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_known_answers);
	RUN(test_against_naive);
	RUN(test_large);
	RUN(test_block_add_and_copy);
	RUN(test_incremental);
	RUN_DONE();
}
