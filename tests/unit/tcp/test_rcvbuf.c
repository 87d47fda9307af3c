/* SPDX-License-Identifier: BSD-2-Clause */
/* Receive buffer tests: fixed cases for SACK block order (RFC 2018 section 4), the range-count
 * bound, window-edge trimming, peek/consume across the ring wrap, resize and memory; then a
 * property test: random segments (sizes, order, duplicates, overlaps, data beyond the window)
 * against a reference model, with the application reading at random, must reassemble the stream
 * byte-exact, near and across the sequence wrap. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../check.h"
#include "tcp/rcvbuf.h"
#include "tcp/seq.h"

/* splitmix64: a fixed-seed PRNG for reproducible runs */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

#define STREAM (1u << 23)
static uint8_t src[STREAM];

static void fill_src(uint64_t seed)
{
	rng_state = seed;
	for (uint32_t i = 0; i < STREAM; i++)
		src[i] = (uint8_t)rnd();
}

/* Insert stream bytes [a, b) (offsets into src) at sequence base + a. */
static uint32_t put(struct tcp_rcvbuf *rb, uint32_t base, uint32_t a, uint32_t b)
{
	return tcp_rcvbuf_insert(rb, base + a, src + a, b - a);
}

static void check_blocks(const struct tcp_rcvbuf *rb, int max, const uint32_t *want, int n,
			 int line)
{
	struct tcp_sack_block blk[TCP_RCVBUF_MAX_OOO];
	int got = tcp_rcvbuf_sack_blocks(rb, blk, max);
	bool ok = got == n;

	for (int i = 0; ok && i < n; i++)
		ok = blk[i].start == want[2 * i] && blk[i].end == want[2 * i + 1];
	if (!ok) {
		fprintf(stderr, "line %d: SACK blocks differ; got %d:", line, got);
		for (int i = 0; i < got; i++)
			fprintf(stderr, " [%u,%u)", blk[i].start, blk[i].end);
		fprintf(stderr, "\n");
	}
	CHECK(ok);
}

#define BLOCKS(rb, max, ...)                                                                       \
	do {                                                                                       \
		const uint32_t w_[] = {__VA_ARGS__};                                               \
		check_blocks(rb, max, w_, (int)(sizeof(w_) / sizeof(w_[0]) / 2), __LINE__);        \
	} while (0)

static void test_sack_order(void)
{
	struct tcp_rcvbuf *rb = tcp_rcvbuf_new(65536);
	struct tcp_sack_block blk[4];
	const uint32_t b = 1000; /* sequence of stream offset 0 */

	CHECK(rb != NULL);
	if (!rb)
		return;
	tcp_rcvbuf_reset(rb, b);
	CHECK_EQ_U64(tcp_rcvbuf_sack_blocks(rb, blk, 4), 0);
	CHECK_EQ_U64(put(rb, b, 1000, 1100), 0);
	BLOCKS(rb, 4, 2000, 2100);
	CHECK_EQ_U64(put(rb, b, 2000, 2100), 0);
	BLOCKS(rb, 4, 3000, 3100, 2000, 2100);
	CHECK_EQ_U64(put(rb, b, 3000, 3100), 0);
	BLOCKS(rb, 4, 4000, 4100, 3000, 3100, 2000, 2100);
	/* extending the oldest range makes it the first block */
	CHECK_EQ_U64(put(rb, b, 1100, 1200), 0);
	BLOCKS(rb, 4, 2000, 2200, 4000, 4100, 3000, 3100);
	CHECK_EQ_U64(put(rb, b, 4000, 4100), 0);
	CHECK_EQ_U64(put(rb, b, 5000, 5100), 0);
	BLOCKS(rb, 3, 6000, 6100, 5000, 5100, 2000, 2200);
	BLOCKS(rb, 5, 6000, 6100, 5000, 5100, 2000, 2200, 4000, 4100, 3000, 3100);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), 5);
	/* a duplicate inside a range: that range triggered the ACK, so it goes first */
	CHECK_EQ_U64(put(rb, b, 2000, 2050), 0);
	BLOCKS(rb, 4, 3000, 3100, 6000, 6100, 5000, 5100, 2000, 2200);
	/* an in-order segment absorbs the first range; the order of the rest is kept */
	CHECK_EQ_U64(put(rb, b, 0, 1000), 1200);
	CHECK_EQ_U64(tcp_rcvbuf_nxt(rb), b + 1200);
	BLOCKS(rb, 4, 3000, 3100, 6000, 6100, 5000, 5100, 4000, 4100);
	CHECK_EQ_U64(put(rb, b, 0, 1000), 0); /* old duplicate: nothing changes */
	BLOCKS(rb, 4, 3000, 3100, 6000, 6100, 5000, 5100, 4000, 4100);
	/* bridging two ranges merges them into one block, first */
	CHECK_EQ_U64(put(rb, b, 2050, 3050), 0);
	BLOCKS(rb, 4, 3000, 4100, 6000, 6100, 5000, 5100);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), 3);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_end(rb), b + 5100);
	CHECK(tcp_rcvbuf_has_ooo(rb));
	CHECK_EQ_U64(tcp_rcvbuf_sack_blocks(rb, blk, 0), 0);
	CHECK_EQ_U64(tcp_rcvbuf_sack_blocks(rb, NULL, 4), 0);
	/* fill everything */
	CHECK_EQ_U64(put(rb, b, 1000, 5100), 3900);
	CHECK(!tcp_rcvbuf_has_ooo(rb));
	CHECK_EQ_U64(tcp_rcvbuf_ooo_end(rb), b + 5100);
	CHECK_EQ_U64(tcp_rcvbuf_sack_blocks(rb, blk, 4), 0);
	{
		static uint8_t out[6000];

		CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, sizeof(out)), 5100);
		CHECK(memcmp(out, src, 5100) == 0);
	}
	tcp_rcvbuf_free(rb);
}

/* A raised limit (TCP sets one per two segments of its window): thousands of holes are held,
 * the range list moves to the heap and back, SACK blocks stay most recent first. */
static void test_range_limit_raised(void)
{
	const uint32_t n = 3000, b = 0xFFFF0000u; /* crosses the wrap */
	struct tcp_rcvbuf *rb = tcp_rcvbuf_new(1u << 22);
	size_t idle;

	CHECK(rb != NULL);
	if (!rb)
		return;
	tcp_rcvbuf_set_ooo_limit(rb, n);
	tcp_rcvbuf_reset(rb, b);
	idle = tcp_rcvbuf_mem(rb);
	/* every other 100-byte piece, newest last */
	for (uint32_t i = 0; i < n; i++)
		CHECK_EQ_U64(put(rb, b, 100 + 200 * i, 200 + 200 * i), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), n);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb), 0);
	CHECK(tcp_rcvbuf_mem(rb) >= idle + n * 16);
	CHECK_EQ_U64(put(rb, b, 100 + 200 * n, 200 + 200 * n), 0); /* one range too many */
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb), 1);
	BLOCKS(rb, 3, b + 100 + 200 * (n - 1), b + 200 * n, b + 100 + 200 * (n - 2),
	       b + 200 * (n - 1), b + 100 + 200 * (n - 3), b + 200 * (n - 2));
	/* a piece merging two old ranges comes first; the merged ones are gone */
	CHECK_EQ_U64(put(rb, b, 400, 500), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), n - 1);
	BLOCKS(rb, 2, b + 300, b + 600, b + 100 + 200 * (n - 1), b + 200 * n);
	/* filling every hole delivers it all in order; memory returns to idle */
	for (uint32_t i = 0; i < n; i++)
		(void)put(rb, b, 200 * i, 200 * i + 100);
	CHECK_EQ_U64(tcp_rcvbuf_nxt(rb), b + 200 * n);
	CHECK(!tcp_rcvbuf_has_ooo(rb));
	{
		static uint8_t out[200 * 3000];

		CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, sizeof(out)), 200 * n);
		CHECK(memcmp(out, src, 200 * n) == 0);
	}
	/* reading the last byte freed the ring and the range array by itself (issue 13) */
	CHECK_EQ_U64(tcp_rcvbuf_mem(rb), idle);
	tcp_rcvbuf_release(rb);
	CHECK_EQ_U64(tcp_rcvbuf_mem(rb), idle);
	tcp_rcvbuf_free(rb);
}

static void test_range_bound(void)
{
	struct tcp_rcvbuf *rb = tcp_rcvbuf_new(65536);
	const uint32_t b = 0xFFFFFF00u; /* crosses the wrap */

	CHECK(rb != NULL);
	if (!rb)
		return;
	tcp_rcvbuf_reset(rb, b);
	for (uint32_t i = 0; i < TCP_RCVBUF_MAX_OOO; i++)
		CHECK_EQ_U64(put(rb, b, 100 + 200 * i, 150 + 200 * i), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), TCP_RCVBUF_MAX_OOO);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb), 0);
	/* one more disjoint range: dropped and counted */
	CHECK_EQ_U64(put(rb, b, 20000, 20010), 0);
	CHECK_EQ_U64(put(rb, b, 170, 180), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb), 2);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), TCP_RCVBUF_MAX_OOO);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_end(rb), b + 150 + 200 * (TCP_RCVBUF_MAX_OOO - 1));
	/* touching an existing range is fine */
	CHECK_EQ_U64(put(rb, b, 150, 160), 0);
	CHECK_EQ_U64(put(rb, b, 90, 100), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), TCP_RCVBUF_MAX_OOO);
	BLOCKS(rb, 2, b + 90, b + 160, b + 6300, b + 6350);
	/* bridging two frees a slot for a new one */
	CHECK_EQ_U64(put(rb, b, 160, 300), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), TCP_RCVBUF_MAX_OOO - 1);
	CHECK_EQ_U64(put(rb, b, 20000, 20010), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), TCP_RCVBUF_MAX_OOO);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb), 2);
	/* the in-order data is still accepted */
	CHECK_EQ_U64(put(rb, b, 0, 90), 350);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), TCP_RCVBUF_MAX_OOO - 1);
	{
		static uint8_t out[400];

		CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, sizeof(out)), 350);
		CHECK(memcmp(out, src, 350) == 0);
	}
	/* reset clears content and counters */
	tcp_rcvbuf_reset(rb, 5);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb), 0);
	CHECK(!tcp_rcvbuf_has_ooo(rb));
	CHECK_EQ_U64(tcp_rcvbuf_readable(rb), 0);
	CHECK_EQ_U64(tcp_rcvbuf_nxt(rb), 5);
	tcp_rcvbuf_free(rb);
}

static void test_window_edge(void)
{
	struct tcp_rcvbuf *rb = tcp_rcvbuf_new(1000);
	const uint32_t x = 0xFFFFFE00u;
	uint8_t out[1000];

	CHECK(rb != NULL);
	if (!rb)
		return;
	tcp_rcvbuf_reset(rb, x);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 1000);
	/* beyond the right edge: trimmed */
	CHECK_EQ_U64(put(rb, x, 900, 1200), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_end(rb), x + 1000);
	CHECK_EQ_U64(put(rb, x, 1000, 1100), 0); /* entirely beyond */
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), 1);
	CHECK_EQ_U64(put(rb, x, 0, 500), 500);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 500);
	/* the edge is still x + 1000 while nothing is read */
	CHECK_EQ_U64(put(rb, x, 500, 1100), 500);
	CHECK_EQ_U64(tcp_rcvbuf_readable(rb), 1000);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 0);
	CHECK_EQ_U64(put(rb, x, 1000, 1010), 0);
	CHECK_EQ_U64(tcp_rcvbuf_nxt(rb), x + 1000);
	/* reading opens the window */
	CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, 300), 300);
	CHECK(memcmp(out, src, 300) == 0);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 300);
	/* a segment starting before rcv_nxt is trimmed at the front and at the edge */
	CHECK_EQ_U64(put(rb, x, 900, 1400), 300);
	CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, sizeof(out)), 1000);
	CHECK(memcmp(out, src + 300, 1000) == 0);
	/* bad input never crashes */
	CHECK_EQ_U64(tcp_rcvbuf_insert(rb, x + 1300, NULL, 10), 0);
	CHECK_EQ_U64(tcp_rcvbuf_insert(rb, x + 1300, src, 0), 0);
	CHECK_EQ_U64(tcp_rcvbuf_insert(rb, x + 1300 + 0x80000000u, src, 100), 0);
	CHECK_EQ_U64(tcp_rcvbuf_read(rb, NULL, 10), 0);
	CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, sizeof(out)), 0);
	tcp_rcvbuf_consume(rb, 100);
	CHECK_EQ_U64(tcp_rcvbuf_nxt(rb), x + 1300);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 1000);
	tcp_rcvbuf_free(rb);

	/* capacity 0: nothing is ever accepted */
	rb = tcp_rcvbuf_new(0);
	CHECK(rb != NULL);
	if (!rb)
		return;
	CHECK_EQ_U64(tcp_rcvbuf_insert(rb, 0, src, 10), 0);
	CHECK_EQ_U64(tcp_rcvbuf_insert(rb, 5, src, 10), 0);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 0);
	tcp_rcvbuf_free(rb);
	CHECK(tcp_rcvbuf_new(TCP_RCVBUF_MAX_CAPACITY + 1) == NULL);
	tcp_rcvbuf_free(NULL);
}

/* Issue 14: one byte at the edge of a 6 MiB window must not allocate the window; the pages
 * of out-of-order data are bounded per buffer and by a shared pool, and a segment past either
 * bound is dropped whole and counted. */
static void test_ooo_memory_bounds(void)
{
	struct tcp_rcvbuf *rb = tcp_rcvbuf_new(6u << 20), *rb2 = tcp_rcvbuf_new(6u << 20);
	struct tcp_rcvbuf_pool pool = {.max = 64 * 1024};
	uint8_t out[4096];
	size_t idle;

	CHECK(rb && rb2);
	if (!rb || !rb2)
		return;
	tcp_rcvbuf_reset(rb, 10);
	idle = tcp_rcvbuf_mem(rb);
	CHECK_EQ_U64(put(rb, 10, (6u << 20) - 1, 6u << 20), 0);
	CHECK(tcp_rcvbuf_has_ooo(rb));
	CHECK(tcp_rcvbuf_mem(rb) <= idle + 4096);
	tcp_rcvbuf_reset(rb, 10);
	CHECK_EQ_U64(tcp_rcvbuf_mem(rb), idle);

	/* per buffer: 16 KiB of pages; one byte per 4 KiB reaches it after 8 pieces */
	tcp_rcvbuf_set_ooo_mem(rb, 16 * 1024, &pool);
	tcp_rcvbuf_set_ooo_mem(rb2, 1u << 30, &pool);
	tcp_rcvbuf_reset(rb2, 10);
	for (uint32_t i = 1; i <= 12; i++)
		(void)put(rb, 10, i * 4096, i * 4096 + 1);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), 8);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb), 4);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_mem(rb), 16 * 1024);
	CHECK_EQ_U64(pool.used, 16 * 1024);
	/* the pool: the other buffer gets the remaining 48 KiB only */
	CHECK_EQ_U64(put(rb2, 10, 1000, 1000 + 60000), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb2), 1);
	CHECK_EQ_U64(put(rb2, 10, 1000, 1000 + 40000), 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb2), 1);
	CHECK(pool.used <= pool.max);
	/* filling the hole moves the bytes into the ring and returns the pages to the pool */
	CHECK_EQ_U64(put(rb2, 10, 0, 1000), 41000);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_mem(rb2), 0);
	CHECK_EQ_U64(pool.used, 16 * 1024);
	for (uint32_t done = 0; done < 41000;) {
		size_t n = tcp_rcvbuf_read(rb2, out, sizeof(out));

		CHECK(n > 0 && memcmp(out, src + done, n) == 0);
		if (!n)
			break;
		done += (uint32_t)n;
	}
	tcp_rcvbuf_free(rb);
	CHECK_EQ_U64(pool.used, 0);
	tcp_rcvbuf_free(rb2);
}

static void test_ring_wrap(void)
{
	struct tcp_rcvbuf *rb = tcp_rcvbuf_new(4096);
	const uint8_t *p[2];
	uint32_t plen[2];
	uint8_t out[4096];

	CHECK(rb != NULL);
	if (!rb)
		return;
	tcp_rcvbuf_reset(rb, 0);
	CHECK_EQ_U64(tcp_rcvbuf_peek(rb, p, plen), 0);
	CHECK(p[0] == NULL && p[1] == NULL && plen[0] == 0 && plen[1] == 0);
	CHECK_EQ_U64(put(rb, 0, 0, 3000), 3000);
	/* leave one byte unread so the ring keeps its position */
	CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, 2999), 2999);
	CHECK(memcmp(out, src, 2999) == 0);
	/* the next 3000 bytes wrap (the ring is 4096): out of order first, then the start */
	CHECK_EQ_U64(put(rb, 0, 4000, 6000), 0);
	CHECK_EQ_U64(put(rb, 0, 3000, 4000), 3000);
	CHECK_EQ_U64(tcp_rcvbuf_peek(rb, p, plen), 3001);
	CHECK_EQ_U64(plen[0], 1097);
	CHECK_EQ_U64(plen[1], 1904);
	CHECK(p[0] && memcmp(p[0], src + 2999, 1097) == 0);
	CHECK(p[1] && memcmp(p[1], src + 4096, 1904) == 0);
	/* consume part of the first piece, then across the wrap */
	tcp_rcvbuf_consume(rb, 1001);
	CHECK_EQ_U64(tcp_rcvbuf_peek(rb, p, plen), 2000);
	CHECK_EQ_U64(plen[0], 96);
	CHECK(memcmp(p[0], src + 4000, 96) == 0 && memcmp(p[1], src + 4096, 1904) == 0);
	tcp_rcvbuf_consume(rb, 500);
	CHECK_EQ_U64(tcp_rcvbuf_peek(rb, p, plen), 1500);
	CHECK(p[1] == NULL && plen[1] == 0 && plen[0] == 1500);
	CHECK(memcmp(p[0], src + 4500, 1500) == 0);
	/* read across the wrap */
	CHECK_EQ_U64(put(rb, 0, 6000, 8500), 2500);
	CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, 4096), 4000);
	CHECK(memcmp(out, src + 4500, 4000) == 0);
	tcp_rcvbuf_consume(rb, 10); /* nothing readable: no-op */
	CHECK_EQ_U64(tcp_rcvbuf_nxt(rb), 8500);
	tcp_rcvbuf_free(rb);
}

static void test_resize_and_memory(void)
{
	struct tcp_rcvbuf *rb = tcp_rcvbuf_new(256 * 1024);
	uint8_t out[3000];
	size_t idle;

	CHECK(rb != NULL);
	if (!rb)
		return;
	tcp_rcvbuf_reset(rb, 77);
	idle = tcp_rcvbuf_mem(rb);
	CHECK(idle < 2048);
	CHECK_EQ_U64(put(rb, 77, 0, 100), 100);
	CHECK(tcp_rcvbuf_mem(rb) < idle + 4096);
	/* out-of-order data far out costs what it holds (pages), not its distance */
	CHECK_EQ_U64(put(rb, 77, 100000, 101000), 0);
	CHECK(tcp_rcvbuf_mem(rb) >= idle + 1000);
	/* ring, two pages and their list, the range array and recent changes (8 + 8 x 16 B) */
	CHECK(tcp_rcvbuf_mem(rb) <= idle + 2048 + 2 * 2048 + 256 + 16 * 16);
	/* resize: not below what is held (100 readable + up to 101000 out of order) */
	CHECK(tcp_rcvbuf_resize(rb, 100999) == -1);
	CHECK(tcp_rcvbuf_resize(rb, TCP_RCVBUF_MAX_CAPACITY + 1) == -1);
	CHECK(tcp_rcvbuf_resize(rb, 101000) == 0);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 100900);
	CHECK(tcp_rcvbuf_mem(rb) <= idle + 101000 + 16 * 16);
	CHECK_EQ_U64(put(rb, 77, 100, 100000), 101000 - 100);
	CHECK_EQ_U64(tcp_rcvbuf_readable(rb), 101000);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 0);
	CHECK(tcp_rcvbuf_resize(rb, 200000) == 0);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), 99000);
	for (uint32_t done = 0; done < 101000;) {
		size_t n = tcp_rcvbuf_read(rb, out, sizeof(out));

		CHECK(n > 0 && memcmp(out, src + done, n) == 0);
		if (!n)
			break;
		done += (uint32_t)n;
	}
	tcp_rcvbuf_release(rb);
	CHECK_EQ_U64(tcp_rcvbuf_mem(rb), idle);
	CHECK_EQ_U64(put(rb, 77, 101000, 101010), 10);
	CHECK_EQ_U64(tcp_rcvbuf_read(rb, out, sizeof(out)), 10);
	CHECK(memcmp(out, src + 101000, 10) == 0);
	CHECK_EQ_U64(put(rb, 77, 102000, 102010), 0);
	tcp_rcvbuf_release(rb); /* out-of-order data held: no-op */
	CHECK(tcp_rcvbuf_mem(rb) > idle);
	tcp_rcvbuf_free(rb);
}

/* --- property test against a reference model ---------------------------------------------- */

/* The model keeps offsets into src; intervals are unsorted and merged by brute force. */
struct iv {
	uint32_t a, b;
	uint64_t stamp;
};

struct model {
	uint32_t cap;
	uint32_t rd, nxt; /* next byte the application reads; next expected byte */
	struct iv iv[TCP_RCVBUF_MAX_OOO];
	int niv;
	uint64_t clock, dropped;
	bool last_ooo;	 /* the last insert was stored out of order ... */
	uint32_t la, lb; /* ... as [la, lb) after trimming */
};

static uint32_t model_ooo_end(const struct model *m)
{
	uint32_t e = m->nxt;

	for (int i = 0; i < m->niv; i++)
		if (m->iv[i].b > e)
			e = m->iv[i].b;
	return e;
}

/* Expected result of inserting [a, b). */
static uint32_t model_insert(struct model *m, uint32_t a, uint32_t b)
{
	uint32_t wnd = m->cap - (m->nxt - m->rd);
	uint32_t old = m->nxt;
	struct iv n;

	m->last_ooo = false;
	if (a < m->nxt)
		a = m->nxt;
	if (b > m->nxt + wnd)
		b = m->nxt + wnd;
	if (a >= b)
		return 0;
	n = (struct iv){a, b, ++m->clock};
	if (a > m->nxt) {
		bool touches = false;

		for (int i = 0; i < m->niv; i++)
			touches |= m->iv[i].a <= b && m->iv[i].b >= a;
		if (!touches && m->niv == TCP_RCVBUF_MAX_OOO) {
			m->clock--;
			m->dropped++;
			return 0;
		}
	}
	/* absorb every interval n touches, repeatedly */
	for (bool again = true; again;) {
		again = false;
		for (int i = 0; i < m->niv; i++) {
			if (m->iv[i].a <= n.b && m->iv[i].b >= n.a) {
				n.a = n.a < m->iv[i].a ? n.a : m->iv[i].a;
				n.b = n.b > m->iv[i].b ? n.b : m->iv[i].b;
				m->iv[i] = m->iv[--m->niv];
				again = true;
			}
		}
	}
	if (n.a == m->nxt) {
		m->nxt = n.b;
	} else {
		m->iv[m->niv++] = n;
		m->last_ooo = true;
		m->la = a;
		m->lb = b;
	}
	return m->nxt - old;
}

static void check_model(const struct tcp_rcvbuf *rb, const struct model *m, uint32_t seq0)
{
	struct tcp_sack_block blk[TCP_RCVBUF_MAX_OOO];
	int n = tcp_rcvbuf_sack_blocks(rb, blk, TCP_RCVBUF_MAX_OOO);
	uint64_t prev = UINT64_MAX;

	CHECK_EQ_U64(tcp_rcvbuf_nxt(rb), seq0 + m->nxt);
	CHECK_EQ_U64(tcp_rcvbuf_readable(rb), m->nxt - m->rd);
	CHECK_EQ_U64(tcp_rcvbuf_window(rb), m->cap - (m->nxt - m->rd));
	CHECK_EQ_U64(tcp_rcvbuf_ooo_end(rb), seq0 + model_ooo_end(m));
	CHECK_EQ_U64(tcp_rcvbuf_has_ooo(rb), m->niv > 0);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_ranges(rb), m->niv);
	CHECK_EQ_U64(tcp_rcvbuf_ooo_dropped(rb), m->dropped);
	CHECK_EQ_U64(n, m->niv);
	/* blocks: exactly the model's intervals, most recently changed first */
	for (int k = 0; k < n; k++) {
		const struct iv *best = NULL;

		for (int i = 0; i < m->niv; i++)
			if (m->iv[i].stamp < prev && (!best || m->iv[i].stamp > best->stamp))
				best = &m->iv[i];
		if (!best)
			break;
		CHECK_EQ_U64(blk[k].start, seq0 + best->a);
		CHECK_EQ_U64(blk[k].end, seq0 + best->b);
		prev = best->stamp;
	}
	/* a shorter list is a prefix of the full one */
	{
		struct tcp_sack_block few[4];
		int k = tcp_rcvbuf_sack_blocks(rb, few, 4);

		CHECK_EQ_U64(k, n < 4 ? n : 4);
		CHECK(memcmp(few, blk, (size_t)k * sizeof(few[0])) == 0);
	}
}

/* The application reads: check the bytes against the stream. */
static void app_read(struct tcp_rcvbuf *rb, struct model *m)
{
	static uint8_t out[1u << 17];

	if (below(2)) {
		uint32_t want = below(4) ? below(3000) : below(sizeof(out));
		size_t n = tcp_rcvbuf_read(rb, out, want);
		uint32_t exp = m->nxt - m->rd < want ? m->nxt - m->rd : want;

		CHECK_EQ_U64(n, exp);
		CHECK(memcmp(out, src + m->rd, exp) == 0);
		m->rd += exp;
	} else {
		const uint8_t *p[2];
		uint32_t plen[2], n = tcp_rcvbuf_peek(rb, p, plen), take;

		CHECK_EQ_U64(n, m->nxt - m->rd);
		CHECK_EQ_U64(plen[0] + plen[1], n);
		CHECK(!n || plen[0] > 0); /* the first piece is used first */
		CHECK(!plen[0] || memcmp(p[0], src + m->rd, plen[0]) == 0);
		CHECK(!plen[1] || memcmp(p[1], src + m->rd + plen[0], plen[1]) == 0);
		take = below(n + 1);
		tcp_rcvbuf_consume(rb, take);
		m->rd += take;
	}
}

static void property_run(uint64_t seed, uint32_t seq0, uint32_t cap, uint32_t maxseg, int steps)
{
	struct tcp_rcvbuf *rb = tcp_rcvbuf_new(cap);
	struct model m = {.cap = cap};
	int failures_before = check_failures;

	fill_src(seed);
	CHECK(rb != NULL);
	if (!rb)
		return;
	tcp_rcvbuf_reset(rb, seq0);
	for (int step = 0; step < steps && check_failures == failures_before; step++) {
		uint32_t op = below(100);

		if (op < 70) { /* a segment near the window, possibly old, duplicate or too far */
			uint32_t wnd = m.cap - (m.nxt - m.rd);
			uint32_t r = below(10), a, b, len;

			if (r < 1) /* starting at or before rcv_nxt */
				a = m.nxt - below(m.nxt < 2000 ? m.nxt + 1 : 2000);
			else /* inside the window or beyond it */
				a = m.nxt + below(wnd + wnd / 4 + 100);
			len = below(16) ? 1 + below(maxseg) : 1 + below(m.cap);
			if (r == 9 && m.niv) { /* an exact duplicate of a held range */
				const struct iv *v = &m.iv[below((uint32_t)m.niv)];

				a = v->a;
				len = v->b - v->a;
			}
			if (a >= STREAM)
				continue;
			b = a + len > STREAM ? STREAM : a + len;
			CHECK_EQ_U64(put(rb, seq0, a, b), model_insert(&m, a, b));
		} else if (op < 95) {
			app_read(rb, &m);
		} else { /* resize between half and twice the original capacity */
			uint32_t held = (m.nxt - m.rd) + (model_ooo_end(&m) - m.nxt);
			uint32_t ncap = cap / 2 + below(cap * 2); /* cap stays the original */
			int want = ncap < held ? -1 : 0;

			CHECK(tcp_rcvbuf_resize(rb, ncap) == want);
			if (!want)
				m.cap = ncap;
		}
		check_model(rb, &m, seq0);
		/* RFC 2018 section 4: the first block holds the segment that triggered the ACK
		 * when it was stored out of order */
		if (op < 70 && m.last_ooo) {
			struct tcp_sack_block first = {0, 0};

			CHECK_EQ_U64(tcp_rcvbuf_sack_blocks(rb, &first, 1), 1);
			CHECK(SEQ_LEQ(first.start, seq0 + m.la) && SEQ_LEQ(seq0 + m.lb, first.end));
		}
	}
	/* drain: deliver the rest in order and read it all */
	while (check_failures == failures_before && (m.nxt < STREAM || m.rd < m.nxt)) {
		uint32_t wnd = m.cap - (m.nxt - m.rd);
		uint32_t b = m.nxt + (wnd < 1460 ? wnd : 1460);

		if (b > STREAM)
			b = STREAM;
		CHECK_EQ_U64(put(rb, seq0, m.nxt, b), model_insert(&m, m.nxt, b));
		app_read(rb, &m);
	}
	CHECK_EQ_U64(m.rd, STREAM);
	CHECK_EQ_U64(tcp_rcvbuf_nxt(rb), seq0 + STREAM);
	if (check_failures != failures_before)
		fprintf(stderr, "rcvbuf property run seed %llu failed\n", (unsigned long long)seed);
	tcp_rcvbuf_free(rb);
}

/* The property runs: random operations against a model, several seeds and shapes. */
static void test_property_runs(void)
{
	/* seeds, start near or at the wrap, capacity, largest usual segment, steps; small segments
	 * in a large window make many ranges and hit TCP_RCVBUF_MAX_OOO */
	property_run(1, 0xFFFFF000u, 16384, 1460, 20000);
	property_run(2, 0xFFFFFFFFu, 5000, 536, 20000);
	property_run(3, 0x7FFFFF00u, 65536, 1460, 10000);
	property_run(4, 0xABCDEF01u, 3000, 1460, 20000);
	property_run(5, 0xFFFFF000u, 20000, 40, 20000);
	property_run(6, 0xFFFF0000u, 100000, 200, 10000);
}

int main(int argc, char **argv)
{
	fill_src(42);
	RUN_INIT(argc, argv);
	RUN(test_sack_order);
	RUN(test_range_bound);
	RUN(test_range_limit_raised);
	RUN(test_window_edge);
	RUN(test_ring_wrap);
	RUN(test_resize_and_memory);
	RUN(test_ooo_memory_bounds);
	RUN(test_property_runs);
	RUN_DONE();
}
