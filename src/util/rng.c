/* SPDX-License-Identifier: BSD-2-Clause */
/* xoshiro256** 1.0 with splitmix64 seeding; algorithms as published by Blackman and Vigna
 * ("Scrambled linear pseudorandom number generators", 2018). */
#include "util/rng.h"

#include <string.h>

/* splitmix64: advances *x by the golden-ratio increment and returns a well-mixed value. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;

	/* splitmix64 output is a bijection of its counter, so the four words are never all
	 * zero (the one state xoshiro must avoid). */
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t rng_derive(uint64_t seed, uint64_t stream)
{
	uint64_t x = stream ^ 0x6a09e667f3bcc909ULL;
	uint64_t y = seed ^ splitmix64(&x);

	return splitmix64(&y);
}

uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t rng_u32(struct rng *r)
{
	return (uint32_t)(rng_u64(r) >> 32);
}

/* Lemire's multiply-and-reject ("Fast random integer generation in an interval", 2019):
 * the high half of x * n is uniform once the low half's biased zone is rejected. */
uint64_t rng_below(struct rng *r, uint64_t n)
{
	unsigned __int128 m;
	uint64_t low;

	if (n == 0)
		return 0;
	m = (unsigned __int128)rng_u64(r) * n;
	low = (uint64_t)m;
	if (low < n) {
		uint64_t threshold = -n % n;

		while (low < threshold) {
			m = (unsigned __int128)rng_u64(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double rng_double01(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

bool rng_chance(struct rng *r, double p)
{
	if (!(p > 0.0))
		return false;
	if (p >= 1.0)
		return true;
	return rng_double01(r) < p;
}

void rng_fill(struct rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t v = rng_u64(r);
		size_t n = len < sizeof(v) ? len : sizeof(v);

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}
