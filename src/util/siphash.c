/* SPDX-License-Identifier: BSD-2-Clause */
/* SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012):
 * 2 compression rounds per 8-byte word, 4 finalization rounds, 128-bit key, 64-bit output.
 * Words are read little-endian regardless of the host byte order. */
#include "util/siphash.h"

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t w = 0;

	for (int i = 7; i >= 0; i--)
		w = (w << 8) | p[i];
	return w;
}

/* One SipRound (paper, section 2). */
static void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL64(s->v2, 32);
}

static void sip_compress(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	const uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	struct sip_state s = {
	    .v0 = k0 ^ UINT64_C(0x736f6d6570736575),
	    .v1 = k1 ^ UINT64_C(0x646f72616e646f6d),
	    .v2 = k0 ^ UINT64_C(0x6c7967656e657261),
	    .v3 = k1 ^ UINT64_C(0x7465646279746573),
	};
	size_t left = len;

	for (; left >= 8; left -= 8, p += 8)
		sip_compress(&s, load_le64(p));

	/* Last word: the remaining 0..7 bytes, zero padded, with len mod 256 in the top byte. */
	uint64_t last = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < left; i++)
		last |= (uint64_t)p[i] << (8 * i);
	sip_compress(&s, last);

	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
