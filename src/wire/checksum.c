/* SPDX-License-Identifier: BSD-2-Clause */
/* Internet checksum, RFC 1071, with RFC 1624 incremental updates. */
#include "wire/checksum.h"

#include <string.h>

/* Bytes summed between folds of the 64-bit accumulators: each 8-byte step adds < 2^33 to
 * them, so 2^30 bytes (2^27 steps) can never overflow. */
#define CSUM_CHUNK ((size_t)1 << 30)

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Fold a 64-bit sum of native-order words to a 16-bit one's complement sum (native order). */
static inline uint16_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* Sum of native-order 32-bit halves of 8-byte words, len <= CSUM_CHUNK. The one's complement
 * sum is independent of the word width used (RFC 1071 section 2(B), "parallel summation"),
 * and of byte order up to a final swap (section 2(B), "byte order independence"). */
static uint64_t sum_chunk(const uint8_t *p, size_t len)
{
	uint64_t a = 0, b = 0, c = 0, d = 0;

	while (len >= 32) {
		uint64_t w0 = load64(p), w1 = load64(p + 8), w2 = load64(p + 16),
			 w3 = load64(p + 24);
		a += (w0 & 0xffffffffu) + (w0 >> 32);
		b += (w1 & 0xffffffffu) + (w1 >> 32);
		c += (w2 & 0xffffffffu) + (w2 >> 32);
		d += (w3 & 0xffffffffu) + (w3 >> 32);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		uint64_t w = load64(p);
		a += (w & 0xffffffffu) + (w >> 32);
		p += 8;
		len -= 8;
	}
	/* Tail of 0..7 bytes, each piece at an even offset. An odd last byte is the high byte
	 * of a big-endian word padded with zero (RFC 1071 section 4.1): in native order that is
	 * the byte at the lower address of a 16-bit load. */
	if (len & 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		b += w;
		p += 4;
	}
	if (len & 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		c += w;
		p += 2;
	}
	if (len & 1) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		d += p[0];
#else
		d += (uint32_t)p[0] << 8;
#endif
	}
	return (a + b) + (c + d);
}

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = 0;

	while (len > CSUM_CHUNK) {
		acc = fold64(acc + sum_chunk(p, CSUM_CHUNK));
		p += CSUM_CHUNK;
		len -= CSUM_CHUNK;
	}
	uint16_t s = fold64(acc + sum_chunk(p, len));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)((s << 8) | (s >> 8));
#endif
	return csum_reduce(csum_add(sum, s));
}

uint32_t csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
	memcpy(dst, src, len);
	return csum_partial(dst, len, sum);
}

uint16_t inet_csum(const void *p, size_t len)
{
	return csum_fold(csum_partial(p, len, 0));
}

uint32_t csum_pseudo_ipv4(uint32_t saddr, uint32_t daddr, uint8_t proto, uint32_t l4_len)
{
	uint64_t s = (uint64_t)(saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) +
		     proto + (l4_len >> 16) + (l4_len & 0xffff);
	return fold64(s);
}

uint32_t csum_pseudo_ipv6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
			  uint32_t l4_len)
{
	uint64_t s = (uint64_t)proto + (l4_len >> 16) + (l4_len & 0xffff);
	for (int i = 0; i < 16; i += 2)
		s += ((uint32_t)src[i] << 8 | src[i + 1]) + ((uint32_t)dst[i] << 8 | dst[i + 1]);
	return fold64(s);
}

/* RFC 1624 section 3, eqn. 3: HC' = ~(~HC + ~m + m'). */
uint16_t csum_update16(uint16_t csum, uint16_t old16, uint16_t new16)
{
	uint32_t s = (uint32_t)(uint16_t)~csum + (uint16_t)~old16 + new16;
	return csum_fold(s);
}

uint16_t csum_update32(uint16_t csum, uint32_t old32, uint32_t new32)
{
	uint32_t s = (uint32_t)(uint16_t)~csum + (uint16_t) ~(old32 >> 16) +
		     (uint16_t) ~(old32 & 0xffff) + (new32 >> 16) + (new32 & 0xffff);
	return csum_fold(s);
}
