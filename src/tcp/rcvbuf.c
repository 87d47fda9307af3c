/* SPDX-License-Identifier: BSD-2-Clause */
/* The receive buffer (see rcvbuf.h).
 *
 * One byte ring holds the stream from the oldest unread byte (base = rcv_nxt - readable, at
 * index rd): first the readable in-order bytes, then the receive window, where out-of-order
 * segments are written at their own stream offsets. A sorted array lists the out-of-order
 * ranges present (disjoint, not adjacent, all beyond rcv_nxt); each carries a stamp from a
 * counter bumped on every change, which orders the SACK blocks (RFC 2018 section 4). The array
 * lives in the struct for the first TCP_RCVBUF_MAX_OOO ranges and moves to the heap, doubling up
 * to the limit set with tcp_rcvbuf_set_ooo_limit (a drop-tail queue overflowing in a window of
 * thousands of segments leaves thousands of holes); it returns to the struct when no range is
 * left. The stamps of the last few changes are kept in order, so the SACK blocks of an ACK are
 * found without scanning every range.
 *
 * Overlaps and duplicates: bytes not yet in order are simply written again, so the last copy
 * wins (a correct peer sends identical bytes); bytes already in order are never rewritten
 * because everything before rcv_nxt is trimmed first (RFC 9293 section 3.10.7.4).
 *
 * The ring is allocated on the first segment and doubles up to the capacity as the span held
 * grows, so an idle connection holds no buffer memory. */
#include "tcp/rcvbuf.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/seq.h"

#define RCVBUF_RING_MIN 2048u /* first ring allocation, bytes */
#define RCVBUF_RECENT 8u      /* changes remembered for the SACK block order */

struct rcvbuf_range {
	uint32_t start, end; /* [start, end) */
	uint64_t stamp;	     /* when last changed; higher is more recent */
};

struct tcp_rcvbuf {
	uint32_t capacity;
	uint32_t rcv_nxt;

	uint8_t *ring;
	uint32_t ring_cap; /* allocated bytes */
	uint32_t rd;	   /* index of the oldest unread byte */
	uint32_t readable; /* in-order bytes not read yet */

	struct rcvbuf_range *ooo; /* sorted by start: ooo_inline or a heap array */
	uint32_t nooo, ooo_cap, ooo_limit;
	struct rcvbuf_range ooo_inline[TCP_RCVBUF_MAX_OOO];
	uint64_t clock;
	/* the last RCVBUF_RECENT ranges changed, newest first; an entry is forgotten when its
	 * range changes again (the new change is remembered), merges or becomes in order */
	struct rcvbuf_range recent[RCVBUF_RECENT];
	uint32_t nrecent;

	uint64_t ooo_dropped;	/* segments dropped: range list full */
	uint64_t nomem_dropped; /* segments dropped: ring could not grow */
};

struct tcp_rcvbuf *tcp_rcvbuf_new(uint32_t capacity)
{
	struct tcp_rcvbuf *rb;

	if (capacity > TCP_RCVBUF_MAX_CAPACITY)
		return NULL;
	rb = calloc(1, sizeof(*rb));
	if (!rb)
		return NULL;
	rb->capacity = capacity;
	rb->ooo = rb->ooo_inline;
	rb->ooo_cap = TCP_RCVBUF_MAX_OOO;
	rb->ooo_limit = TCP_RCVBUF_MAX_OOO;
	return rb;
}

void tcp_rcvbuf_set_ooo_limit(struct tcp_rcvbuf *rb, uint32_t limit)
{
	if (limit < TCP_RCVBUF_MAX_OOO)
		limit = TCP_RCVBUF_MAX_OOO;
	if (limit > TCP_RCVBUF_OOO_LIMIT_MAX)
		limit = TCP_RCVBUF_OOO_LIMIT_MAX;
	rb->ooo_limit = limit;
}

/* Back to the in-struct range array (only when no range is held). */
static void ooo_shrink(struct tcp_rcvbuf *rb)
{
	if (rb->ooo == rb->ooo_inline || rb->nooo)
		return;
	free(rb->ooo);
	rb->ooo = rb->ooo_inline;
	rb->ooo_cap = TCP_RCVBUF_MAX_OOO;
}

void tcp_rcvbuf_free(struct tcp_rcvbuf *rb)
{
	if (!rb)
		return;
	free(rb->ring);
	if (rb->ooo != rb->ooo_inline)
		free(rb->ooo);
	free(rb);
}

void tcp_rcvbuf_reset(struct tcp_rcvbuf *rb, uint32_t rcv_nxt)
{
	rb->rcv_nxt = rcv_nxt;
	rb->rd = 0;
	rb->readable = 0;
	rb->nooo = 0;
	ooo_shrink(rb);
	rb->clock = 0;
	rb->nrecent = 0;
	rb->ooo_dropped = 0;
	rb->nomem_dropped = 0;
}

/* Offset of seq from rcv_nxt (seq at or beyond rcv_nxt). */
static uint32_t rel(const struct tcp_rcvbuf *rb, uint32_t seq)
{
	return seq - rb->rcv_nxt;
}

/* Bytes from the oldest unread byte to the end of what is held. */
static uint32_t held(const struct tcp_rcvbuf *rb)
{
	return rb->readable + (tcp_rcvbuf_ooo_end(rb) - rb->rcv_nxt);
}

/* Ring index of the byte `off` bytes after the oldest unread one (off < ring_cap). */
static uint32_t ring_index(const struct tcp_rcvbuf *rb, uint32_t off)
{
	uint32_t i = rb->rd + off;

	return i >= rb->ring_cap ? i - rb->ring_cap : i;
}

/* Move what is held into a new ring of cap bytes (cap >= held), oldest unread byte at 0. */
static int ring_realloc(struct tcp_rcvbuf *rb, uint32_t cap)
{
	uint32_t span = held(rb), first;
	uint8_t *n = NULL;

	if (cap) {
		n = malloc(cap);
		if (!n)
			return -1;
	}
	if (span) {
		first = rb->ring_cap - rb->rd;
		if (first > span)
			first = span;
		memcpy(n, rb->ring + rb->rd, first);
		memcpy(n + first, rb->ring, span - first);
	}
	free(rb->ring);
	rb->ring = n;
	rb->ring_cap = cap;
	rb->rd = 0;
	return 0;
}

/* Make the ring at least need bytes (need <= capacity), doubling up to the capacity. */
static int ring_reserve(struct tcp_rcvbuf *rb, uint32_t need)
{
	uint32_t cap = rb->ring_cap ? rb->ring_cap : RCVBUF_RING_MIN;

	if (need <= rb->ring_cap)
		return 0;
	while (cap < need && cap < rb->capacity)
		cap = cap > rb->capacity / 2 ? rb->capacity : cap * 2;
	if (cap > rb->capacity)
		cap = rb->capacity;
	return ring_realloc(rb, cap);
}

int tcp_rcvbuf_resize(struct tcp_rcvbuf *rb, uint32_t capacity)
{
	if (capacity > TCP_RCVBUF_MAX_CAPACITY || capacity < held(rb))
		return -1;
	rb->capacity = capacity;
	/* Shrink an oversized ring; keeping it on ENOMEM is harmless. */
	if (rb->ring_cap > capacity)
		(void)ring_realloc(rb, capacity);
	return 0;
}

void tcp_rcvbuf_release(struct tcp_rcvbuf *rb)
{
	if (rb->readable || rb->nooo)
		return;
	ooo_shrink(rb);
	free(rb->ring);
	rb->ring = NULL;
	rb->ring_cap = 0;
	rb->rd = 0;
}

size_t tcp_rcvbuf_mem(const struct tcp_rcvbuf *rb)
{
	size_t ranges = rb->ooo == rb->ooo_inline ? 0 : rb->ooo_cap * sizeof(rb->ooo[0]);

	return sizeof(*rb) + rb->ring_cap + ranges;
}

/* Copy len bytes to stream offset off (from the oldest unread byte) in the ring. */
static void ring_write(struct tcp_rcvbuf *rb, uint32_t off, const uint8_t *data, uint32_t len)
{
	uint32_t at = ring_index(rb, off);
	uint32_t first = rb->ring_cap - at;

	if (first > len)
		first = len;
	memcpy(rb->ring + at, data, first);
	memcpy(rb->ring, data + first, len - first);
}

/* Forget the remembered changes of ranges starting in [from, to): merged or now in order. */
static void recent_forget(struct tcp_rcvbuf *rb, uint32_t from, uint32_t to)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < rb->nrecent; i++)
		if (rb->recent[i].start - from >= to - from)
			rb->recent[k++] = rb->recent[i];
	rb->nrecent = k;
}

/* Remember a change, newest first. */
static void recent_push(struct tcp_rcvbuf *rb, const struct rcvbuf_range *r)
{
	uint32_t keep = rb->nrecent < RCVBUF_RECENT ? rb->nrecent : RCVBUF_RECENT - 1;

	memmove(&rb->recent[1], &rb->recent[0], keep * sizeof(rb->recent[0]));
	rb->recent[0] = *r;
	rb->nrecent = keep + 1;
}

/* Room for one more range: -1 at the limit or on ENOMEM. */
static int ooo_reserve(struct tcp_rcvbuf *rb)
{
	uint32_t limit = rb->ooo_limit, cap;
	struct rcvbuf_range *n;

	if (rb->nooo >= limit)
		return -1;
	if (rb->nooo < rb->ooo_cap)
		return 0;
	cap = rb->ooo_cap > limit / 2 ? limit : rb->ooo_cap * 2;
	n = malloc((size_t)cap * sizeof(*n));
	if (!n)
		return -1;
	memcpy(n, rb->ooo, rb->nooo * sizeof(*n));
	if (rb->ooo != rb->ooo_inline)
		free(rb->ooo);
	rb->ooo = n;
	rb->ooo_cap = cap;
	return 0;
}

/* Index of the first range ending at or beyond seq (nooo if none); ranges are sorted and all
 * lie beyond rcv_nxt, so a binary search on offsets from rcv_nxt finds it. */
static uint32_t ooo_find(const struct tcp_rcvbuf *rb, uint32_t seq)
{
	uint32_t s = rel(rb, seq), lo = 0, hi = rb->nooo;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rel(rb, rb->ooo[mid].end) < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Record [seq, end) as held out of order (seq beyond rcv_nxt): merge with every range it
 * overlaps or touches. Returns -1 when it would be a new range and the list is full. */
static int ooo_add(struct tcp_rcvbuf *rb, uint32_t seq, uint32_t end)
{
	uint32_t e = rel(rb, end);
	uint32_t i = ooo_find(rb, seq), j;

	j = i;
	while (j < rb->nooo && rel(rb, rb->ooo[j].start) <= e)
		j++;
	if (i == j) {
		if (ooo_reserve(rb) < 0)
			return -1;
		memmove(&rb->ooo[i + 1], &rb->ooo[i], (rb->nooo - i) * sizeof(rb->ooo[0]));
		rb->nooo++;
		j = i + 1;
	} else {
		seq = seq_min(seq, rb->ooo[i].start);
		end = seq_max(end, rb->ooo[j - 1].end);
	}
	/* ranges i..j-1 collapse into slot i */
	rb->ooo[i] = (struct rcvbuf_range){.start = seq, .end = end, .stamp = ++rb->clock};
	recent_forget(rb, seq, end);
	recent_push(rb, &rb->ooo[i]);
	memmove(&rb->ooo[i + 1], &rb->ooo[j], (rb->nooo - j) * sizeof(rb->ooo[0]));
	rb->nooo -= j - i - 1;
	return 0;
}

/* rcv_nxt reached end: absorb the out-of-order ranges now contiguous with it. */
static uint32_t advance(struct tcp_rcvbuf *rb, uint32_t end)
{
	uint32_t old = rb->rcv_nxt, k = 0;

	while (k < rb->nooo && SEQ_LEQ(rb->ooo[k].start, end)) {
		end = seq_max(end, rb->ooo[k].end);
		k++;
	}
	memmove(&rb->ooo[0], &rb->ooo[k], (rb->nooo - k) * sizeof(rb->ooo[0]));
	rb->nooo -= k;
	recent_forget(rb, old, end);
	rb->rcv_nxt = end;
	rb->readable += end - old;
	return end - old;
}

uint32_t tcp_rcvbuf_insert(struct tcp_rcvbuf *rb, uint32_t seq, const uint8_t *data, uint32_t len)
{
	uint32_t off, wnd;

	if (!data || !len)
		return 0;
	/* RFC 9293 section 3.10.7.4: trim what was already received ... */
	if (SEQ_LT(seq, rb->rcv_nxt)) {
		uint32_t skip = rb->rcv_nxt - seq;

		if (skip >= len)
			return 0;
		data += skip;
		len -= skip;
		seq = rb->rcv_nxt;
	}
	/* ... and what lies beyond the window. */
	off = rel(rb, seq);
	wnd = tcp_rcvbuf_window(rb);
	if (off >= wnd)
		return 0;
	if (len > wnd - off)
		len = wnd - off;

	if (ring_reserve(rb, rb->readable + off + len) < 0) {
		rb->nomem_dropped++;
		return 0;
	}
	if (off && ooo_add(rb, seq, seq + len) < 0) {
		/* RFC 9293 allows discarding out-of-order data. */
		rb->ooo_dropped++;
		return 0;
	}
	ring_write(rb, rb->readable + off, data, len);
	return off ? 0 : advance(rb, seq + len);
}

bool tcp_rcvbuf_ooo_dup(const struct tcp_rcvbuf *rb, uint32_t seq, uint32_t len,
			struct tcp_sack_block *dup)
{
	uint32_t end = seq + len;

	if (!len || !dup)
		return false;
	/* the first range ending beyond seq is the only candidate for the first overlap */
	uint32_t i = ooo_find(rb, SEQ_LT(seq, rb->rcv_nxt) ? rb->rcv_nxt : seq);
	while (i < rb->nooo && SEQ_LEQ(rb->ooo[i].end, seq))
		i++;
	if (i == rb->nooo || SEQ_GEQ(rb->ooo[i].start, end))
		return false;
	dup->start = seq_max(seq, rb->ooo[i].start);
	dup->end = seq_min(end, rb->ooo[i].end);
	return true;
}

uint32_t tcp_rcvbuf_nxt(const struct tcp_rcvbuf *rb)
{
	return rb->rcv_nxt;
}

uint32_t tcp_rcvbuf_readable(const struct tcp_rcvbuf *rb)
{
	return rb->readable;
}

uint32_t tcp_rcvbuf_window(const struct tcp_rcvbuf *rb)
{
	return rb->readable < rb->capacity ? rb->capacity - rb->readable : 0;
}

bool tcp_rcvbuf_has_ooo(const struct tcp_rcvbuf *rb)
{
	return rb->nooo != 0;
}

uint32_t tcp_rcvbuf_ooo_end(const struct tcp_rcvbuf *rb)
{
	return rb->nooo ? rb->ooo[rb->nooo - 1].end : rb->rcv_nxt;
}

uint32_t tcp_rcvbuf_ooo_ranges(const struct tcp_rcvbuf *rb)
{
	return rb->nooo;
}

uint64_t tcp_rcvbuf_ooo_dropped(const struct tcp_rcvbuf *rb)
{
	return rb->ooo_dropped;
}

uint64_t tcp_rcvbuf_nomem_dropped(const struct tcp_rcvbuf *rb)
{
	return rb->nomem_dropped;
}

uint32_t tcp_rcvbuf_peek(const struct tcp_rcvbuf *rb, const uint8_t *p[2], uint32_t plen[2])
{
	uint32_t first = rb->readable;

	if (first > rb->ring_cap - rb->rd)
		first = rb->ring_cap - rb->rd;
	p[0] = first ? rb->ring + rb->rd : NULL;
	plen[0] = first;
	p[1] = rb->readable > first ? rb->ring : NULL;
	plen[1] = rb->readable - first;
	return rb->readable;
}

void tcp_rcvbuf_consume(struct tcp_rcvbuf *rb, uint32_t len)
{
	if (len > rb->readable)
		len = rb->readable;
	rb->readable -= len;
	rb->rd = ring_index(rb, len);
	if (!rb->readable && !rb->nooo)
		rb->rd = 0;
}

size_t tcp_rcvbuf_read(struct tcp_rcvbuf *rb, void *dst, size_t len)
{
	const uint8_t *p[2];
	uint32_t plen[2], n, first;

	if (!dst || !len)
		return 0;
	n = tcp_rcvbuf_peek(rb, p, plen);
	if (n > len)
		n = (uint32_t)len;
	first = plen[0] < n ? plen[0] : n;
	if (first)
		memcpy(dst, p[0], first);
	if (n > first)
		memcpy((uint8_t *)dst + first, p[1], n - first);
	tcp_rcvbuf_consume(rb, n);
	return n;
}

/* True when r (a remembered change) still describes a range held, unchanged since. */
static bool recent_valid(const struct tcp_rcvbuf *rb, const struct rcvbuf_range *r)
{
	if (!SEQ_GT(r->start, rb->rcv_nxt))
		return false;
	uint32_t i = ooo_find(rb, r->start);

	return i < rb->nooo && rb->ooo[i].stamp == r->stamp;
}

/* RFC 2018 section 4: the first block holds the segment that triggered this ACK (it bumped its
 * range's stamp), then the other ranges, most recently changed first. */

int tcp_rcvbuf_sack_blocks(const struct tcp_rcvbuf *rb, struct tcp_sack_block *out, int max)
{
	uint64_t below = UINT64_MAX;
	int n = 0;

	if (!out)
		return 0;
	/* Every range not among the valid recent changes is older than all of them: when they
	 * are enough, they are the answer, in order. */
	for (uint32_t k = 0; k < rb->nrecent && n < max; k++)
		if (recent_valid(rb, &rb->recent[k]))
			out[n++] = (struct tcp_sack_block){.start = rb->recent[k].start,
							   .end = rb->recent[k].end};
	if (n == max || (uint32_t)n == rb->nooo)
		return n;
	n = 0;
	while (n < max) {
		const struct rcvbuf_range *best = NULL;

		for (uint32_t i = 0; i < rb->nooo; i++) {
			const struct rcvbuf_range *r = &rb->ooo[i];

			if (r->stamp < below && (!best || r->stamp > best->stamp))
				best = r;
		}
		if (!best)
			break;
		out[n++] = (struct tcp_sack_block){.start = best->start, .end = best->end};
		below = best->stamp;
	}
	return n;
}
