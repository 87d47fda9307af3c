/* SPDX-License-Identifier: BSD-2-Clause */
/* Send buffer tests: fixed cases for external ranges, merging, max_ext, capacity, resize and
 * memory, then a property test against a byte-per-entry reference model (random mixes of inline
 * appends and external reservations, ACKs, peeks, copies and resizes; sequence numbers wrap). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../check.h"
#include "tcp/sndbuf.h"

/* splitmix64: a fixed-seed PRNG for reproducible runs */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in [0, n) (n > 0) */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 131u + (i >> 8) * 7u + 1u);
}

static void test_interleave(void)
{
	struct tcp_sndbuf *sb = tcp_sndbuf_new(100000, 8);
	struct tcp_sndbuf_chunk c;
	uint8_t hdr[100], out[200];

	CHECK(sb != NULL);
	if (!sb)
		return;
	tcp_sndbuf_reset(sb, 1000);
	for (uint32_t i = 0; i < sizeof(hdr); i++)
		hdr[i] = pattern(i);
	/* header inline, body external, next header inline, next body external */
	CHECK_EQ_U64(tcp_sndbuf_append(sb, hdr, 100), 100);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 5000, 7, 0), 5000);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, hdr, 50), 50);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 3000, 7, 5000), 3000);
	CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), 2);
	CHECK_EQ_U64(tcp_sndbuf_head(sb), 1000);
	CHECK_EQ_U64(tcp_sndbuf_tail(sb), 1000 + 8150);
	CHECK_EQ_U64(tcp_sndbuf_used(sb), 8150);
	CHECK_EQ_U64(tcp_sndbuf_space(sb), 100000 - 8150);

	CHECK(tcp_sndbuf_peek(sb, 1000, 1460, &c));
	CHECK(!c.ext && c.seq == 1000 && c.len == 100 && c.plen[0] == 100 && c.plen[1] == 0);
	CHECK(c.p[0] && memcmp(c.p[0], hdr, 100) == 0);
	CHECK(tcp_sndbuf_peek(sb, 1050, 1460, &c));
	CHECK(!c.ext && c.len == 50 && memcmp(c.p[0], hdr + 50, 50) == 0);
	CHECK(tcp_sndbuf_peek(sb, 1100, 1460, &c));
	CHECK(c.ext && c.len == 1460 && c.tag == 7 && c.tag_off == 0 && c.p[0] == NULL);
	CHECK(tcp_sndbuf_peek(sb, 1100 + 4000, 1460, &c));
	CHECK(c.ext && c.len == 1000 && c.tag_off == 4000);
	CHECK(tcp_sndbuf_peek(sb, 6100, 1460, &c));
	CHECK(!c.ext && c.len == 50 && memcmp(c.p[0], hdr, 50) == 0);
	CHECK(tcp_sndbuf_peek(sb, 6150, 1460, &c));
	CHECK(c.ext && c.len == 1460 && c.tag_off == 5000);
	CHECK(tcp_sndbuf_peek(sb, 9149, 1460, &c));
	CHECK(c.ext && c.len == 1 && c.tag_off == 7999);
	/* outside [head, tail) or maxlen 0 */
	CHECK(!tcp_sndbuf_peek(sb, 9150, 1460, &c));
	CHECK(!tcp_sndbuf_peek(sb, 999, 1460, &c));
	CHECK(!tcp_sndbuf_peek(sb, 1000, 0, &c));
	CHECK(!tcp_sndbuf_peek(sb, 1000, 10, NULL));

	/* copy works on inline bytes only */
	CHECK(tcp_sndbuf_copy(sb, 1010, 90, out));
	CHECK(memcmp(out, hdr + 10, 90) == 0);
	CHECK(!tcp_sndbuf_copy(sb, 1010, 91, out));
	CHECK(!tcp_sndbuf_copy(sb, 9100, 51, out));
	CHECK(tcp_sndbuf_copy(sb, 9150, 0, out));

	/* ACKs: out of range ignored, then partial external, then across kinds */
	CHECK(!tcp_sndbuf_ack(sb, 999));
	CHECK(!tcp_sndbuf_ack(sb, 9151));
	CHECK_EQ_U64(tcp_sndbuf_head(sb), 1000);
	CHECK(tcp_sndbuf_ack(sb, 1000));
	CHECK(tcp_sndbuf_ack(sb, 1100 + 2000));
	CHECK(tcp_sndbuf_peek(sb, 3100, 100000, &c));
	CHECK(c.ext && c.len == 3000 && c.tag_off == 2000);
	CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), 2);
	CHECK(tcp_sndbuf_ack(sb, 6120));
	CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), 1);
	CHECK(tcp_sndbuf_peek(sb, 6120, 100000, &c));
	CHECK(!c.ext && c.len == 30 && memcmp(c.p[0], hdr + 20, 30) == 0);
	CHECK(tcp_sndbuf_ack(sb, 9150));
	CHECK_EQ_U64(tcp_sndbuf_used(sb), 0);
	CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), 0);
	CHECK(!tcp_sndbuf_peek(sb, 9150, 1, &c));
	tcp_sndbuf_free(sb);
}

static void test_merge_and_max_ext(void)
{
	struct tcp_sndbuf *sb = tcp_sndbuf_new(1000, 2);
	struct tcp_sndbuf_chunk c;
	uint8_t b[10] = {0};

	CHECK(sb != NULL);
	if (!sb)
		return;
	tcp_sndbuf_reset(sb, 0);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 0, 1, 0), 0);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 100, 1, 0), 100);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 50, 1, 100), 50); /* merges */
	CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), 1);
	CHECK(tcp_sndbuf_peek(sb, 0, 1000, &c));
	CHECK(c.ext && c.len == 150 && c.tag == 1 && c.tag_off == 0);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 1, 200), 10); /* gap: new reservation */
	CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), 2);
	CHECK(tcp_sndbuf_peek(sb, 0, 1000, &c));
	CHECK(c.len == 150);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 2, 210), 0); /* max_ext reached */
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 1, 300), 0);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 1, 210), 10); /* merge still allowed */
	CHECK_EQ_U64(tcp_sndbuf_append(sb, b, 10), 10);		 /* inline always allowed */
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 1, 220), 0);	 /* not adjacent any more */
	/* a tag offset that would wrap is refused */
	CHECK(tcp_sndbuf_ack(sb, 150));
	CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), 1);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 3, UINT64_MAX - 5), 0);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 3, UINT64_MAX - 10), 10);
	CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), 2);
	tcp_sndbuf_free(sb);

	sb = tcp_sndbuf_new(1000, 0);
	CHECK(sb != NULL);
	if (!sb)
		return;
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 1, 0), 0);
	tcp_sndbuf_free(sb);
}

static void test_capacity_and_resize(void)
{
	struct tcp_sndbuf *sb = tcp_sndbuf_new(1000, 4);
	static uint8_t big[5000];
	struct tcp_sndbuf_chunk c;

	CHECK(sb != NULL);
	if (!sb)
		return;
	for (uint32_t i = 0; i < sizeof(big); i++)
		big[i] = pattern(i);
	tcp_sndbuf_reset(sb, 0xFFFFFF00u);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, big, 600), 600);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 500, 9, 0), 400); /* partial */
	CHECK_EQ_U64(tcp_sndbuf_space(sb), 0);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, big, 1), 0);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 1, 9, 400), 0);
	CHECK_EQ_U64(tcp_sndbuf_tail(sb), 0xFFFFFF00u + 1000u);
	CHECK(tcp_sndbuf_resize(sb, 999) == -1);
	CHECK(tcp_sndbuf_resize(sb, TCP_SNDBUF_MAX_CAPACITY + 1) == -1);
	CHECK(tcp_sndbuf_resize(sb, 3000) == 0);
	CHECK_EQ_U64(tcp_sndbuf_space(sb), 2000);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, big + 600, 5000), 2000);
	CHECK(tcp_sndbuf_ack(sb, 0xFFFFFF00u + 1000u));
	CHECK(tcp_sndbuf_resize(sb, 2000) == 0); /* 2000 bytes held: fits exactly */
	CHECK(tcp_sndbuf_peek(sb, 0xFFFFFF00u + 1000u, 5000, &c));
	CHECK(!c.ext && c.len == 2000 && c.plen[0] + c.plen[1] == 2000);
	{
		uint8_t out[2000];

		CHECK(tcp_sndbuf_copy(sb, 0xFFFFFF00u + 1000u, 2000, out));
		CHECK(memcmp(out, big + 600, 2000) == 0);
	}
	CHECK(tcp_sndbuf_resize(sb, 1999) == -1);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, NULL, 10), 0);
	tcp_sndbuf_free(sb);

	CHECK(tcp_sndbuf_new(TCP_SNDBUF_MAX_CAPACITY + 1, 1) == NULL);
	sb = tcp_sndbuf_new(0, 4);
	CHECK(sb != NULL);
	if (!sb)
		return;
	CHECK_EQ_U64(tcp_sndbuf_append(sb, big, 10), 0);
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 10, 1, 0), 0);
	CHECK_EQ_U64(tcp_sndbuf_space(sb), 0);
	tcp_sndbuf_free(sb);
	tcp_sndbuf_free(NULL);
}

/* The ring grows lazily: idle buffers cost only their struct. */
static void test_memory(void)
{
	struct tcp_sndbuf *sb = tcp_sndbuf_new(256 * 1024, 64);
	static uint8_t big[256 * 1024];
	size_t idle;

	CHECK(sb != NULL);
	if (!sb)
		return;
	idle = tcp_sndbuf_mem(sb);
	CHECK(idle < 1024);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, big, 100), 100);
	CHECK(tcp_sndbuf_mem(sb) < 8192);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, big, sizeof(big)), sizeof(big) - 100);
	CHECK(tcp_sndbuf_mem(sb) >= 256 * 1024);
	CHECK(tcp_sndbuf_mem(sb) < 256 * 1024 + 1024);
	tcp_sndbuf_release(sb); /* not empty: no-op */
	CHECK(tcp_sndbuf_mem(sb) >= 256 * 1024);
	/* shrinking the capacity shrinks the ring too */
	CHECK(tcp_sndbuf_ack(sb, tcp_sndbuf_tail(sb) - 1000));
	CHECK(tcp_sndbuf_resize(sb, 4096) == 0);
	CHECK(tcp_sndbuf_mem(sb) < 8192);
	CHECK(tcp_sndbuf_copy(sb, tcp_sndbuf_head(sb), 1000, big));
	/* the ACK that empties the buffer frees the ring and the runs by itself (issue 13) */
	CHECK(tcp_sndbuf_ack(sb, tcp_sndbuf_tail(sb)));
	CHECK_EQ_U64(tcp_sndbuf_mem(sb), idle);
	tcp_sndbuf_release(sb);
	CHECK_EQ_U64(tcp_sndbuf_mem(sb), idle);
	CHECK_EQ_U64(tcp_sndbuf_head(sb), 256 * 1024);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, big, 10), 10);
	CHECK_EQ_U64(tcp_sndbuf_tail(sb), 256 * 1024 + 10);
	/* the ring comes back at the size it was freed at (4096 after the resize), not 2 KiB */
	CHECK(tcp_sndbuf_mem(sb) >= idle + 4096);
	tcp_sndbuf_free(sb);
}

/* Bytes written in place (tcp_sndbuf_space_at + commit): the pieces wrap with the ring, a
 * partial commit appends only what was written, an inline run follows an external one. */
static void test_space_at_commit(void)
{
	struct tcp_sndbuf *sb = tcp_sndbuf_new(4096, 4);
	static uint8_t big[8192], out[4096];
	struct tcp_sndbuf_chunk c;
	uint8_t *p[2];
	uint32_t plen[2];

	CHECK(sb != NULL);
	if (!sb)
		return;
	for (uint32_t i = 0; i < sizeof(big); i++)
		big[i] = pattern(i);
	tcp_sndbuf_reset(sb, 1000);
	CHECK_EQ_U64(tcp_sndbuf_space_at(sb, 0, p, plen), 0);
	CHECK(p[0] == NULL && p[1] == NULL && plen[0] == 0 && plen[1] == 0);
	CHECK_EQ_U64(tcp_sndbuf_append(sb, big, 3000), 3000);
	CHECK(tcp_sndbuf_ack(sb, 1000 + 2500)); /* 500 held, read index 2500 of 4096 */
	CHECK_EQ_U64(tcp_sndbuf_space_at(sb, 3000, p, plen), 3000);
	CHECK_EQ_U64(plen[0], 4096 - 3000);
	CHECK_EQ_U64(plen[1], 3000 - (4096 - 3000));
	CHECK(p[0] != NULL && p[1] == p[0] - 3000); /* the write index 3000, then the ring's start */
	memcpy(p[0], big + 3000, plen[0]);
	memcpy(p[1], big + 3000 + plen[0], 2000 - plen[0]);
	tcp_sndbuf_commit(sb, 2000); /* only the first 2000 bytes were written */
	CHECK_EQ_U64(tcp_sndbuf_tail(sb), 1000 + 5000);
	CHECK_EQ_U64(tcp_sndbuf_used(sb), 2500);
	CHECK(tcp_sndbuf_copy(sb, 1000 + 2500, 2500, out));
	CHECK(memcmp(out, big + 2500, 500) == 0);
	CHECK(memcmp(out + 500, big + 3000, 2000) == 0);
	CHECK(tcp_sndbuf_peek(sb, 1000 + 2500, 4096, &c));
	CHECK(!c.ext && c.len == 2500); /* one inline run */
	/* after an external run the bytes written in place start a run of their own */
	CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, 100, 7, 0), 100);
	CHECK_EQ_U64(tcp_sndbuf_space_at(sb, 10, p, plen), 10);
	CHECK(p[0] != NULL && plen[0] == 10 && p[1] == NULL && plen[1] == 0);
	memcpy(p[0], big, 10);
	tcp_sndbuf_commit(sb, 10);
	CHECK(tcp_sndbuf_peek(sb, 1000 + 5100, 4096, &c));
	CHECK(!c.ext && c.len == 10 && c.plen[0] + c.plen[1] == 10);
	CHECK(tcp_sndbuf_copy(sb, 1000 + 5100, 10, out));
	CHECK(memcmp(out, big, 10) == 0);
	/* full: no room */
	CHECK_EQ_U64(tcp_sndbuf_space_at(sb, 5000, p, plen), 4096 - 2610);
	tcp_sndbuf_commit(sb, 4096 - 2610);
	CHECK_EQ_U64(tcp_sndbuf_space_at(sb, 1, p, plen), 0);
	tcp_sndbuf_free(sb);
}

/* --- property test against a reference model ---------------------------------------------- */

/* The model is a ring indexed by stream offset; it must exceed any capacity used. */
#define MODEL_MAX (1u << 18)
#define MB(i)	  model[(i) & (MODEL_MAX - 1)]

struct model_byte {
	bool ext;
	uint8_t byte;
	uint64_t tag, tag_off;
};

static struct model_byte model[MODEL_MAX];
static uint8_t src[2 * MODEL_MAX];

struct model {
	uint32_t seq0;	    /* sequence number of stream offset 0 */
	uint64_t head, end; /* stream offsets */
	uint32_t capacity, max_ext;
};

/* Bytes i and i+1 belong to one chunk. */
static bool model_joined(uint64_t i)
{
	const struct model_byte *a = &MB(i), *b = &MB(i + 1);

	if (a->ext != b->ext)
		return false;
	return !a->ext || (a->tag == b->tag && a->tag_off + 1 == b->tag_off);
}

static uint32_t model_ext_count(const struct model *m)
{
	uint32_t n = 0;

	for (uint64_t i = m->head; i < m->end; i++)
		if (MB(i).ext && (i == m->head || !model_joined(i - 1)))
			n++;
	return n;
}

/* Check one peek from stream offset i. */
static void check_peek(const struct tcp_sndbuf *sb, const struct model *m, uint64_t i,
		       uint32_t maxlen)
{
	struct tcp_sndbuf_chunk c;
	uint64_t k = i;

	CHECK(tcp_sndbuf_peek(sb, m->seq0 + (uint32_t)i, maxlen, &c));
	while (k + 1 < m->end && k + 1 - i < maxlen && model_joined(k))
		k++;
	CHECK_EQ_U64(c.seq, m->seq0 + (uint32_t)i);
	CHECK_EQ_U64(c.len, k + 1 - i);
	CHECK_EQ_U64(c.ext, MB(i).ext);
	if (c.ext) {
		CHECK_EQ_U64(c.tag, MB(i).tag);
		CHECK_EQ_U64(c.tag_off, MB(i).tag_off);
		CHECK(c.p[0] == NULL && c.p[1] == NULL);
	} else {
		CHECK_EQ_U64(c.plen[0] + c.plen[1], c.len);
		CHECK(c.plen[0] > 0);
		for (uint32_t j = 0; j < c.len && j < k + 1 - i; j++) {
			uint8_t got = j < c.plen[0] ? c.p[0][j] : c.p[1][j - c.plen[0]];

			if (got != MB(i + j).byte) {
				CHECK_EQ_U64(got, MB(i + j).byte);
				break;
			}
		}
	}
}

static void check_state(const struct tcp_sndbuf *sb, const struct model *m)
{
	CHECK_EQ_U64(tcp_sndbuf_head(sb), m->seq0 + (uint32_t)m->head);
	CHECK_EQ_U64(tcp_sndbuf_tail(sb), m->seq0 + (uint32_t)m->end);
	CHECK_EQ_U64(tcp_sndbuf_used(sb), m->end - m->head);
	CHECK_EQ_U64(tcp_sndbuf_space(sb), m->capacity - (m->end - m->head));
}

static void property_run(uint64_t seed, uint32_t seq0, uint32_t capacity, uint32_t max_ext,
			 int steps)
{
	struct tcp_sndbuf *sb = tcp_sndbuf_new(capacity, max_ext);
	struct model m = {.seq0 = seq0, .capacity = capacity, .max_ext = max_ext};
	uint64_t next_off[4] = {0, 1000000, 0, 77}; /* per tag: next contiguous offset */
	static uint8_t out[1u << 17];
	int failures_before = check_failures;
	const uint32_t cap0 = capacity;

	rng_state = seed;
	CHECK(sb != NULL);
	if (!sb)
		return;
	for (uint32_t i = 0; i < 2 * MODEL_MAX; i++)
		src[i] = (uint8_t)rnd();
	tcp_sndbuf_reset(sb, seq0);

	for (int step = 0; step < steps && check_failures == failures_before; step++) {
		uint32_t op = below(100);
		uint32_t used = (uint32_t)(m.end - m.head);
		uint32_t space = capacity - used;

		if (op < 20) { /* inline append */
			uint32_t len = below(4) ? below(2000) : below(capacity + 100);
			uint32_t want = len < space ? len : space;

			const uint8_t *data = src + (m.end & (MODEL_MAX - 1));

			CHECK_EQ_U64(tcp_sndbuf_append(sb, data, len), want);
			for (uint32_t j = 0; j < want; j++)
				MB(m.end + j) = (struct model_byte){.byte = data[j]};
			m.end += want;
		} else if (op < 40) { /* external reservation */
			uint32_t len = below(4) ? below(5000) : below(capacity + 100);
			uint32_t tag = below(4);
			uint64_t toff = below(3) ? next_off[tag] : next_off[tag] + 1 + below(100);
			uint32_t want = len < space ? len : space;
			bool merge = m.end > m.head && MB(m.end - 1).ext &&
				     MB(m.end - 1).tag == tag && MB(m.end - 1).tag_off + 1 == toff;

			if (!merge && model_ext_count(&m) >= max_ext)
				want = 0;
			CHECK_EQ_U64(tcp_sndbuf_append_ext(sb, len, tag, toff), want);
			for (uint32_t j = 0; j < want; j++)
				MB(m.end + j) = (struct model_byte){
				    .ext = true, .tag = tag, .tag_off = toff + j};
			m.end += want;
			if (want)
				next_off[tag] = toff + want;
		} else if (op < 55) { /* cumulative ACK, sometimes out of range */
			uint32_t r = below(10);

			if (r == 0) {
				CHECK(
				    !tcp_sndbuf_ack(sb, seq0 + (uint32_t)m.head - 1 - below(1000)));
			} else if (r == 1) {
				CHECK(
				    !tcp_sndbuf_ack(sb, seq0 + (uint32_t)m.end + 1 + below(1000)));
			} else {
				uint32_t n = r < 4 ? used : below(used + 1);

				CHECK(tcp_sndbuf_ack(sb, seq0 + (uint32_t)(m.head + n)));
				m.head += n;
			}
		} else if (op < 85) { /* peeks */
			for (int k = 0; k < 8 && used; k++) {
				uint64_t i = m.head + below(used);

				check_peek(sb, &m, i, below(3) ? 1 + below(3000) : UINT32_MAX);
			}
			CHECK(!tcp_sndbuf_peek(sb, seq0 + (uint32_t)m.end, 1,
					       &(struct tcp_sndbuf_chunk){0}));
			CHECK(!tcp_sndbuf_peek(sb, seq0 + (uint32_t)m.head - 1, 1,
					       &(struct tcp_sndbuf_chunk){0}));
		} else if (op < 90) { /* walk the whole stream in MSS-sized peeks */
			uint64_t i = m.head;
			struct tcp_sndbuf_chunk c;

			while (i < m.end) {
				check_peek(sb, &m, i, 1448);
				if (!tcp_sndbuf_peek(sb, seq0 + (uint32_t)i, 1448, &c) || !c.len)
					break;
				i += c.len;
			}
		} else if (op < 97) { /* copy */
			uint32_t off = used ? below(used + 1) : 0;
			uint32_t len = below(used - off + 1);
			bool inline_only = true;

			if (len > sizeof(out))
				len = sizeof(out);
			for (uint32_t j = 0; j < len; j++)
				inline_only &= !MB(m.head + off + j).ext;
			memset(out, 0, len);
			CHECK_EQ_U64(tcp_sndbuf_copy(sb, seq0 + (uint32_t)(m.head + off), len, out),
				     inline_only);
			for (uint32_t j = 0; inline_only && j < len; j++) {
				if (out[j] != MB(m.head + off + j).byte) {
					CHECK_EQ_U64(out[j], MB(m.head + off + j).byte);
					break;
				}
			}
			CHECK(!tcp_sndbuf_copy(sb, seq0 + (uint32_t)m.head, used + 1, out));
		} else { /* resize */
			uint32_t cap = 1 + below(cap0 * 2);
			int want = cap < used ? -1 : 0;

			CHECK_EQ_U64((uint64_t)(int64_t)tcp_sndbuf_resize(sb, cap),
				     (uint64_t)(int64_t)want);
			if (!want) {
				capacity = cap;
				m.capacity = cap;
			}
		}
		check_state(sb, &m);
		CHECK_EQ_U64(tcp_sndbuf_ext_count(sb), model_ext_count(&m));
	}
	if (check_failures != failures_before)
		fprintf(stderr, "sndbuf property run seed %llu failed\n", (unsigned long long)seed);
	tcp_sndbuf_free(sb);
}

/* The property runs: random operations against a model, several seeds and shapes. */
static void test_property_runs(void)
{
	/* near the sequence wrap, a random start, small and large capacities, few/many max_ext */
	property_run(1, 0xFFFFF000u, 8192, 4, 4000);
	property_run(2, 0xFFFFF000u, 3001, 1, 4000);
	property_run(3, 0x7FFFF000u, 65536, 64, 3000);
	property_run(4, 0x12345678u, 20000, 3, 4000);
	property_run(5, 0xFFFFFFFFu, 1000, 1000, 4000);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_interleave);
	RUN(test_merge_and_max_ext);
	RUN(test_capacity_and_resize);
	RUN(test_memory);
	RUN(test_space_at_commit);
	RUN(test_property_runs);
	RUN_DONE();
}
