/* SPDX-License-Identifier: BSD-2-Clause */
/* rng: known-answer vectors, determinism per seed, stream independence, distribution sanity. */
#include "util/rng.h"

#include <math.h>
#include <string.h>

#include "../check.h"

/* xoshiro256** reference outputs for state {1, 2, 3, 4} and splitmix64's first output for
 * seed 0, from the published reference implementations. */
static void test_known_answers(void)
{
	struct rng r = {.s = {1, 2, 3, 4}};

	CHECK_EQ_U64(rng_u64(&r), 11520);
	CHECK_EQ_U64(rng_u64(&r), 0);
	CHECK_EQ_U64(rng_u64(&r), 1509978240);
	CHECK_EQ_U64(rng_u64(&r), 1215971899390074240ULL);

	rng_seed(&r, 0);
	CHECK_EQ_U64(r.s[0], 0xe220a8397b1dcdafULL);
}

static void test_determinism(void)
{
	struct rng a, b, c;
	int same_ac = 0;

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_u64(&a), y = rng_u64(&b), z = rng_u64(&c);

		CHECK_EQ_U64(x, y);
		same_ac += x == z;
	}
	CHECK(same_ac == 0);

	/* Derived streams: deterministic, distinct per stream and per seed. */
	CHECK_EQ_U64(rng_derive(7, 1), rng_derive(7, 1));
	CHECK(rng_derive(7, 1) != rng_derive(7, 2));
	CHECK(rng_derive(7, 1) != rng_derive(8, 1));
	CHECK(rng_derive(0, 0) != 0);
	rng_seed(&a, rng_derive(42, 0));
	rng_seed(&b, rng_derive(42, 1));
	CHECK(rng_u64(&a) != rng_u64(&b));
}

static void test_below(void)
{
	enum { BUCKETS = 10, N = 200000 };
	struct rng r;
	unsigned count[BUCKETS] = {0};
	double chi2 = 0;

	rng_seed(&r, 1);
	CHECK_EQ_U64(rng_below(&r, 0), 0);
	for (int i = 0; i < 100; i++)
		CHECK_EQ_U64(rng_below(&r, 1), 0);
	for (int i = 0; i < N; i++) {
		uint64_t v = rng_below(&r, BUCKETS);

		CHECK(v < BUCKETS);
		if (v < BUCKETS)
			count[v]++;
	}
	for (int i = 0; i < BUCKETS; i++) {
		double e = (double)N / BUCKETS, d = count[i] - e;

		chi2 += d * d / e;
	}
	/* 9 degrees of freedom: P(chi2 > 27.9) = 0.001. */
	CHECK(chi2 < 27.9);

	/* Huge bounds (where a modulo would be most biased) stay in range and cover both
	 * halves. */
	uint64_t n = (UINT64_MAX / 3) * 2, upper = 0;

	for (int i = 0; i < 10000; i++) {
		uint64_t v = rng_below(&r, n);

		CHECK(v < n);
		upper += v >= n / 2;
	}
	CHECK(upper > 4700 && upper < 5300);
}

static void test_double_and_chance(void)
{
	enum { N = 100000 };
	struct rng r;
	double sum = 0, lo = 1, hi = 0;
	unsigned hits = 0;

	rng_seed(&r, 2);
	for (int i = 0; i < N; i++) {
		double d = rng_double01(&r);

		CHECK(d >= 0.0 && d < 1.0);
		sum += d;
		lo = fmin(lo, d);
		hi = fmax(hi, d);
	}
	CHECK(fabs(sum / N - 0.5) < 0.005);
	CHECK(lo < 0.001 && hi > 0.999);

	for (int i = 0; i < N; i++)
		hits += rng_chance(&r, 0.3);
	CHECK(fabs((double)hits / N - 0.3) < 0.01);

	/* Edges: no draw and a fixed answer outside (0, 1). */
	struct rng before = r;

	CHECK(!rng_chance(&r, 0.0));
	CHECK(!rng_chance(&r, -1.0));
	CHECK(!rng_chance(&r, NAN));
	CHECK(rng_chance(&r, 1.0));
	CHECK(rng_chance(&r, 2.0));
	CHECK(memcmp(&before, &r, sizeof(r)) == 0);
}

static void test_bits_and_fill(void)
{
	enum { N = 20000 };
	struct rng r;
	unsigned ones[64] = {0};
	uint8_t buf[13], zero[13] = {0};

	rng_seed(&r, 3);
	for (int i = 0; i < N; i++) {
		uint64_t v = rng_u64(&r);

		for (int b = 0; b < 64; b++)
			ones[b] += (v >> b) & 1;
	}
	for (int b = 0; b < 64; b++)
		CHECK(ones[b] > N / 2 - 600 && ones[b] < N / 2 + 600);

	/* rng_fill: deterministic, exact length, not all zero. */
	struct rng a, b2;
	uint8_t buf2[13 + 1];

	rng_seed(&a, 9);
	rng_seed(&b2, 9);
	memset(buf2, 0xee, sizeof(buf2));
	rng_fill(&a, buf, sizeof(buf));
	rng_fill(&b2, buf2, 13);
	CHECK(memcmp(buf, buf2, 13) == 0);
	CHECK(buf2[13] == 0xee);
	CHECK(memcmp(buf, zero, sizeof(buf)) != 0);
	rng_fill(&a, NULL, 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_known_answers);
	RUN(test_determinism);
	RUN(test_below);
	RUN(test_double_and_chance);
	RUN(test_bits_and_fill);
	RUN_DONE();
}
