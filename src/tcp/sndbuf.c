/* SPDX-License-Identifier: BSD-2-Clause */
/* The send buffer (see sndbuf.h).
 *
 * The stream [head, tail) is described by a deque of runs in append order. A run is either
 * external (a tag and the tag offset of its first byte) or inline. Inline bytes of all runs sit
 * back to back in one byte ring, in stream order: an inline run records the running count of
 * inline bytes appended before it (ioff), and the ring remembers the inline count of the byte at
 * its read index, so any inline byte is found in O(1) once its run is known.
 *
 * Consecutive inline appends extend the last run, and consecutive external reservations with the
 * same tag and contiguous tag offsets extend it too, so there are at most max_ext external runs
 * and max_ext + 1 inline runs. Runs are found by offset from head: the first and the last run are
 * checked directly (retransmission at snd_una, new data near the tail), otherwise by binary
 * search, O(log runs). ACKs pop or trim runs from the front, O(1) amortized.
 *
 * Memory grows lazily: the ring starts small and doubles up to the capacity, the run deque
 * doubles up to what max_ext allows; both are freed when an ACK empties the buffer, so an idle
 * connection holds no buffer memory. The ring's size at that point is remembered: the next
 * stream of bytes starts there instead of doubling from the minimum again (a 1 MiB response
 * sent through a ring that is emptied now and then would otherwise copy what it holds at every
 * doubling and fault in twice the memory it ends up using). */
#include "tcp/sndbuf.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/seq.h"

#define SNDBUF_RING_MIN 2048u /* first ring allocation, bytes */
#define SNDBUF_RUNS_MIN 4u    /* first run deque allocation, entries (power of two) */

struct sndbuf_run {
	uint32_t seq, len;
	uint32_t ioff; /* inline: inline bytes appended before this run's first byte */
	bool ext;
	uint64_t tag, tag_off; /* external only */
};

struct tcp_sndbuf {
	uint32_t capacity;
	uint32_t max_ext;
	uint32_t head, tail; /* sequence numbers: [head, tail) is held */

	/* inline byte ring */
	uint8_t *ring;
	uint32_t ring_cap;  /* allocated bytes */
	uint32_t ring_rd;   /* index of the oldest inline byte held */
	uint32_t ring_len;  /* inline bytes held */
	uint32_t ring_ioff; /* inline count of the byte at ring_rd */
	uint32_t ioff_next; /* inline count of the next inline byte appended */
	uint32_t ring_hint; /* ring_cap when it was last released: where the next ring starts */

	/* run deque, runs_cap a power of two */
	struct sndbuf_run *runs;
	uint32_t runs_cap, runs_first, nruns;
	uint32_t ext_count; /* external runs held */
};

static struct sndbuf_run *run_at(const struct tcp_sndbuf *sb, uint32_t i)
{
	return &sb->runs[(sb->runs_first + i) & (sb->runs_cap - 1)];
}

static uint32_t ring_index(const struct tcp_sndbuf *sb, uint32_t ioff)
{
	uint32_t i = sb->ring_rd + (ioff - sb->ring_ioff);

	return i >= sb->ring_cap ? i - sb->ring_cap : i;
}

struct tcp_sndbuf *tcp_sndbuf_new(uint32_t capacity, uint32_t max_ext)
{
	struct tcp_sndbuf *sb;

	if (capacity > TCP_SNDBUF_MAX_CAPACITY)
		return NULL;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	sb->capacity = capacity;
	sb->max_ext = max_ext;
	return sb;
}

void tcp_sndbuf_free(struct tcp_sndbuf *sb)
{
	if (!sb)
		return;
	free(sb->ring);
	free(sb->runs);
	free(sb);
}

void tcp_sndbuf_reset(struct tcp_sndbuf *sb, uint32_t seq)
{
	sb->head = seq;
	sb->tail = seq;
	sb->ring_rd = 0;
	sb->ring_len = 0;
	sb->ring_ioff = 0;
	sb->ioff_next = 0;
	sb->runs_first = 0;
	sb->nruns = 0;
	sb->ext_count = 0;
}

void tcp_sndbuf_release(struct tcp_sndbuf *sb)
{
	if (sb->head != sb->tail)
		return;
	if (sb->ring_cap)
		sb->ring_hint = sb->ring_cap;
	free(sb->ring);
	free(sb->runs);
	sb->ring = NULL;
	sb->runs = NULL;
	sb->ring_cap = 0;
	sb->runs_cap = 0;
	tcp_sndbuf_reset(sb, sb->tail);
}

size_t tcp_sndbuf_mem(const struct tcp_sndbuf *sb)
{
	return sizeof(*sb) + sb->ring_cap + (size_t)sb->runs_cap * sizeof(struct sndbuf_run);
}

/* Move the ring into a new allocation of size cap (>= ring_len), oldest byte at index 0. */
static int ring_realloc(struct tcp_sndbuf *sb, uint32_t cap)
{
	uint8_t *n = NULL;
	uint32_t first;

	if (cap) {
		n = malloc(cap);
		if (!n)
			return -1;
	}
	if (sb->ring_len) {
		first = sb->ring_cap - sb->ring_rd;
		if (first > sb->ring_len)
			first = sb->ring_len;
		memcpy(n, sb->ring + sb->ring_rd, first);
		memcpy(n + first, sb->ring, sb->ring_len - first);
	}
	free(sb->ring);
	sb->ring = n;
	sb->ring_cap = cap;
	sb->ring_rd = 0;
	return 0;
}

/* Make room in the ring for `want` more inline bytes (want <= capacity - ring_len), doubling up
 * to the capacity. Returns how many more bytes fit (less than want only on ENOMEM). */
static uint32_t ring_reserve(struct tcp_sndbuf *sb, uint32_t want)
{
	uint32_t need = sb->ring_len + want;
	uint32_t cap = sb->ring_cap			 ? sb->ring_cap
		       : sb->ring_hint > SNDBUF_RING_MIN ? sb->ring_hint
							 : SNDBUF_RING_MIN;

	if (need <= sb->ring_cap)
		return want;
	while (cap < need && cap < sb->capacity)
		cap = cap > sb->capacity / 2 ? sb->capacity : cap * 2;
	if (cap > sb->capacity)
		cap = sb->capacity;
	if (cap < need || ring_realloc(sb, cap) < 0)
		return sb->ring_cap - sb->ring_len;
	return want;
}

/* Make room for one more run. */
static int runs_reserve(struct tcp_sndbuf *sb)
{
	struct sndbuf_run *n;
	uint32_t cap, i;

	if (sb->nruns < sb->runs_cap)
		return 0;
	cap = sb->runs_cap ? sb->runs_cap * 2 : SNDBUF_RUNS_MIN;
	if (cap < sb->runs_cap)
		return -1;
	n = malloc((size_t)cap * sizeof(*n));
	if (!n)
		return -1;
	for (i = 0; i < sb->nruns; i++)
		n[i] = *run_at(sb, i);
	free(sb->runs);
	sb->runs = n;
	sb->runs_cap = cap;
	sb->runs_first = 0;
	return 0;
}

static struct sndbuf_run *last_run(const struct tcp_sndbuf *sb)
{
	return sb->nruns ? run_at(sb, sb->nruns - 1) : NULL;
}

int tcp_sndbuf_resize(struct tcp_sndbuf *sb, uint32_t capacity)
{
	if (capacity > TCP_SNDBUF_MAX_CAPACITY || capacity < tcp_sndbuf_used(sb))
		return -1;
	sb->capacity = capacity;
	/* Shrink an oversized ring; keeping it on ENOMEM is harmless. */
	if (sb->ring_cap > capacity)
		(void)ring_realloc(sb, capacity);
	return 0;
}

size_t tcp_sndbuf_append(struct tcp_sndbuf *sb, const void *data, size_t len)
{
	struct sndbuf_run *r = last_run(sb);
	uint32_t n = tcp_sndbuf_space(sb);
	uint32_t at, first;

	if (!data || !len || !n)
		return 0;
	if (len < n)
		n = (uint32_t)len;
	if (!r || r->ext) {
		if (runs_reserve(sb) < 0)
			return 0;
		r = NULL;
	}
	n = ring_reserve(sb, n);
	if (!n)
		return 0;

	at = ring_index(sb, sb->ioff_next);
	first = sb->ring_cap - at;
	if (first > n)
		first = n;
	memcpy(sb->ring + at, data, first);
	memcpy(sb->ring, (const uint8_t *)data + first, n - first);

	if (r) {
		r->len += n;
	} else {
		r = run_at(sb, sb->nruns++);
		*r = (struct sndbuf_run){.seq = sb->tail, .len = n, .ioff = sb->ioff_next};
	}
	sb->ring_len += n;
	sb->ioff_next += n;
	sb->tail += n;
	return n;
}

uint32_t tcp_sndbuf_space_at(struct tcp_sndbuf *sb, size_t len, uint8_t *p[2], uint32_t plen[2])
{
	struct sndbuf_run *r = last_run(sb);
	uint32_t n = tcp_sndbuf_space(sb);
	uint32_t at, first;

	p[0] = p[1] = NULL;
	plen[0] = plen[1] = 0;
	if (!len || !n)
		return 0;
	if (len < n)
		n = (uint32_t)len;
	if ((!r || r->ext) && runs_reserve(sb) < 0)
		return 0;
	n = ring_reserve(sb, n);
	if (!n)
		return 0;
	at = ring_index(sb, sb->ioff_next);
	first = sb->ring_cap - at;
	if (first > n)
		first = n;
	p[0] = sb->ring + at;
	plen[0] = first;
	if (n > first) {
		p[1] = sb->ring;
		plen[1] = n - first;
	}
	return n;
}

void tcp_sndbuf_commit(struct tcp_sndbuf *sb, uint32_t n)
{
	struct sndbuf_run *r = last_run(sb);

	if (!n)
		return;
	if (r && !r->ext) {
		r->len += n;
	} else {
		r = run_at(sb, sb->nruns++);
		*r = (struct sndbuf_run){.seq = sb->tail, .len = n, .ioff = sb->ioff_next};
	}
	sb->ring_len += n;
	sb->ioff_next += n;
	sb->tail += n;
}

uint32_t tcp_sndbuf_append_ext(struct tcp_sndbuf *sb, uint32_t len, uint64_t tag, uint64_t tag_off)
{
	struct sndbuf_run *r = last_run(sb);
	uint32_t n = tcp_sndbuf_space(sb);

	if (!len || !n)
		return 0;
	if (len < n)
		n = len;
	/* The reservation's tag offsets must not wrap. */
	if (tag_off > UINT64_MAX - n)
		return 0;
	if (r && r->ext && r->tag == tag && r->tag_off + r->len == tag_off) {
		r->len += n;
		sb->tail += n;
		return n;
	}
	if (sb->ext_count >= sb->max_ext || runs_reserve(sb) < 0)
		return 0;
	r = run_at(sb, sb->nruns++);
	*r = (struct sndbuf_run){
	    .seq = sb->tail, .len = n, .ext = true, .tag = tag, .tag_off = tag_off};
	sb->ext_count++;
	sb->tail += n;
	return n;
}

uint32_t tcp_sndbuf_space(const struct tcp_sndbuf *sb)
{
	uint32_t used = tcp_sndbuf_used(sb);

	return used < sb->capacity ? sb->capacity - used : 0;
}

uint32_t tcp_sndbuf_head(const struct tcp_sndbuf *sb)
{
	return sb->head;
}

uint32_t tcp_sndbuf_tail(const struct tcp_sndbuf *sb)
{
	return sb->tail;
}

uint32_t tcp_sndbuf_used(const struct tcp_sndbuf *sb)
{
	return sb->tail - sb->head;
}

uint32_t tcp_sndbuf_ext_count(const struct tcp_sndbuf *sb)
{
	return sb->ext_count;
}

/* Drop the first n bytes of the ring (they belong to the front inline run). */
static void ring_drop(struct tcp_sndbuf *sb, uint32_t n)
{
	sb->ring_len -= n;
	sb->ring_ioff += n;
	sb->ring_rd += n;
	if (sb->ring_rd >= sb->ring_cap)
		sb->ring_rd -= sb->ring_cap;
	if (!sb->ring_len)
		sb->ring_rd = 0;
}

/* RFC 9293 section 3.10.7.4: a cumulative ACK frees everything before it. */
bool tcp_sndbuf_ack(struct tcp_sndbuf *sb, uint32_t seq)
{
	uint32_t n = seq - sb->head;

	if (n > tcp_sndbuf_used(sb))
		return false;
	while (n) {
		struct sndbuf_run *r = run_at(sb, 0);
		uint32_t k = r->len < n ? r->len : n;

		if (!r->ext)
			ring_drop(sb, k);
		if (k == r->len) {
			if (r->ext)
				sb->ext_count--;
			sb->runs_first = (sb->runs_first + 1) & (sb->runs_cap - 1);
			sb->nruns--;
		} else {
			r->seq += k;
			r->len -= k;
			if (r->ext)
				r->tag_off += k;
			else
				r->ioff += k;
		}
		n -= k;
	}
	sb->head = seq;
	if (!sb->nruns)
		sb->runs_first = 0;
	/* everything acknowledged: an idle connection keeps no ring (issue 13) */
	if (sb->head == sb->tail && (sb->ring || sb->runs))
		tcp_sndbuf_release(sb);
	return true;
}

/* Index of the run holding offset off from head (off < used). */
static uint32_t find_run(const struct tcp_sndbuf *sb, uint32_t off)
{
	uint32_t lo = 0, hi = sb->nruns - 1;

	if (off < run_at(sb, 0)->len)
		return 0;
	if (run_at(sb, hi)->seq - sb->head <= off)
		return hi;
	/* invariant: start(lo) <= off < start(hi) */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (run_at(sb, mid)->seq - sb->head <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

bool tcp_sndbuf_peek(const struct tcp_sndbuf *sb, uint32_t seq, uint32_t maxlen,
		     struct tcp_sndbuf_chunk *c)
{
	uint32_t off = seq - sb->head;
	const struct sndbuf_run *r;
	uint32_t skip, len;

	if (!c || !maxlen || off >= tcp_sndbuf_used(sb))
		return false;
	r = run_at(sb, find_run(sb, off));
	skip = seq - r->seq;
	len = r->len - skip;
	if (len > maxlen)
		len = maxlen;

	*c = (struct tcp_sndbuf_chunk){.seq = seq, .len = len, .ext = r->ext};
	if (r->ext) {
		c->tag = r->tag;
		c->tag_off = r->tag_off + skip;
	} else {
		uint32_t at = ring_index(sb, r->ioff + skip);
		uint32_t first = sb->ring_cap - at;

		if (first > len)
			first = len;
		c->p[0] = sb->ring + at;
		c->plen[0] = first;
		if (len > first) {
			c->p[1] = sb->ring;
			c->plen[1] = len - first;
		}
	}
	return true;
}

bool tcp_sndbuf_copy(const struct tcp_sndbuf *sb, uint32_t seq, uint32_t len, void *dst)
{
	uint32_t off = seq - sb->head;
	uint8_t *out = dst;
	struct tcp_sndbuf_chunk c;

	if (off > tcp_sndbuf_used(sb) || len > tcp_sndbuf_used(sb) - off || (len && !dst))
		return false;
	/* Check first so a failed copy leaves dst untouched. */
	for (uint32_t s = seq, left = len; left; s += c.len, left -= c.len) {
		if (!tcp_sndbuf_peek(sb, s, left, &c) || c.ext)
			return false;
	}
	for (uint32_t s = seq, left = len; left; s += c.len, left -= c.len) {
		(void)tcp_sndbuf_peek(sb, s, left, &c);
		memcpy(out, c.p[0], c.plen[0]);
		memcpy(out + c.plen[0], c.p[1] ? c.p[1] : c.p[0], c.plen[1]);
		out += c.len;
	}
	return true;
}
