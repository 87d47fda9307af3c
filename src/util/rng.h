/* SPDX-License-Identifier: BSD-2-Clause */
/* A small, fast, seedable pseudo-random generator for simulation and tests: xoshiro256**
 * (Blackman and Vigna), seeded through splitmix64. Not cryptographic. No global state: every
 * user owns its struct rng, so independent streams never disturb one another. */
#ifndef IOTCP_UTIL_RNG_H
#define IOTCP_UTIL_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seed from any 64-bit value (0 included); the same seed always gives the same sequence. */
void rng_seed(struct rng *r, uint64_t seed);

/* A new seed for an independent sub-stream number `stream` of `seed`, e.g. one per simulated
 * link: rng_seed(&r, rng_derive(seed, 3)). Different (seed, stream) pairs give unrelated seeds. */
uint64_t rng_derive(uint64_t seed, uint64_t stream);

uint64_t rng_u64(struct rng *r);
uint32_t rng_u32(struct rng *r);

/* Uniform in [0, n), without modulo bias; 0 when n == 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Uniform in [0, 1), 53 random bits. */
double rng_double01(struct rng *r);

/* True with probability p: never for p <= 0 (or NaN), always for p >= 1. Draws one number only
 * when 0 < p < 1. */
bool rng_chance(struct rng *r, double p);

/* Fill buf with len random bytes (keys for simulated endpoints). */
void rng_fill(struct rng *r, void *buf, size_t len);

#endif
