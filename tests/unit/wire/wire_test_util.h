/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared helpers for the wire unit tests: a fixed-seed PRNG and a naive RFC 1071 reference. */
#ifndef IOTCP_TESTS_WIRE_TEST_UTIL_H
#define IOTCP_TESTS_WIRE_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

static uint64_t test_rng_state = 0x243f6a8885a308d3ull;

static inline uint64_t test_rand(void)
{
	uint64_t z = (test_rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void test_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)test_rand();
}

/* Split total bytes of data into n random pieces (empty ones too), piece k taken from k bytes
 * further on (varied source alignment): a payload as a wrapping ring hands it over. */
static inline void test_split_iov(uint8_t *data, size_t total, struct iovec *iov, int n)
{
	size_t at = 0;
	for (int k = 0; k < n; k++) {
		size_t len = k == n - 1 ? total - at : (size_t)(test_rand() % (total - at + 1));
		iov[k].iov_base = data + at + (size_t)k;
		iov[k].iov_len = len;
		at += len;
	}
}

/* How many of the n pieces differ from the bytes of payload, in order (0: the same). */
static inline unsigned test_iov_mismatches(const uint8_t *payload, const struct iovec *iov, int n)
{
	unsigned bad = 0;
	size_t at = 0;
	for (int k = 0; k < n; k++) {
		if (memcmp(payload + at, iov[k].iov_base, iov[k].iov_len) != 0)
			bad++;
		at += iov[k].iov_len;
	}
	return bad;
}

/* RFC 1071 straight from the text: big-endian 16-bit words, odd byte padded, 32-bit
 * accumulator folded at the end. Returns the (uncomplemented) 16-bit sum. */
static inline uint16_t naive_sum(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline uint16_t naive_csum(const uint8_t *p, size_t len)
{
	return (uint16_t)~naive_sum(p, len);
}

#endif
