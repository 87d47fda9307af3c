/* SPDX-License-Identifier: BSD-2-Clause */
/* The receive buffer (see rcvbuf.h).
 *
 * A byte ring holds the in-order bytes the application has not read yet (from the oldest
 * unread byte, index rd); it grows by doubling up to the capacity as they accumulate.
 * Out-of-order segments are kept apart, in pages of RCVBUF_PAGE bytes allocated only where
 * their bytes land (a page covers an aligned stretch of sequence space), so what they cost is
 * what they hold: a byte at the far edge of a 6 MiB window takes one page, never a ring as
 * large as the window. Their memory is bounded per buffer and, through a pool shared by every
 * connection of a stack, in total; a segment that would pass either bound is dropped (RFC 9293
 * section 3.10.7.4 lets a receiver discard out-of-order data). When rcv_nxt reaches them, the
 * bytes move from the pages into the ring and the pages are freed.
 *
 * A sorted array lists the out-of-order ranges present (disjoint, not adjacent, all beyond
 * rcv_nxt); each carries a stamp from a counter bumped on every change, which orders the SACK
 * blocks (RFC 2018 section 4). The array is allocated with the first range and doubles up to
 * the limit set with tcp_rcvbuf_set_ooo_limit (a drop-tail queue overflowing in a window of
 * thousands of segments leaves thousands of holes); it is freed when no range is left. The stamps of the last few changes
 * are kept in order, so the SACK blocks of an ACK are found without scanning every range.
 *
 * Overlaps and duplicates: bytes not yet in order are simply written again, so the last copy
 * wins (a correct peer sends identical bytes); bytes already in order are never rewritten
 * because everything before rcv_nxt is trimmed first (RFC 9293 section 3.10.7.4).
 *
 * Nothing is allocated before the first segment, and the ring is freed when the application
 * has read everything and no hole is left, so an idle connection holds no buffer memory
 * (issue 13: 100k idle keep-alive connections). */
#include "tcp/rcvbuf.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/seq.h"

#define RCVBUF_RING_MIN 2048u /* first ring allocation, bytes */
#define RCVBUF_RECENT 8u      /* changes remembered for the SACK block order */
#define RCVBUF_OOO_MIN 8u     /* first range array allocation, ranges */
#define RCVBUF_PAGE 2048u     /* out-of-order storage unit, bytes (a power of two) */

/* Out-of-order bytes of [seq, seq + RCVBUF_PAGE), seq a multiple of RCVBUF_PAGE. */
struct rcvbuf_page {
	uint32_t seq;
	uint8_t *data;
};

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

	struct rcvbuf_range *ooo; /* sorted by start; NULL until the first range */
	uint32_t nooo, ooo_cap, ooo_limit;
	uint64_t clock;
	/* the last RCVBUF_RECENT ranges changed, newest first; an entry is forgotten when its
	 * range changes again (the new change is remembered), merges or becomes in order.
	 * Allocated with the range array and freed with it (no range, nothing to remember). */
	struct rcvbuf_range *recent;
	uint32_t nrecent;

	/* pages of out-of-order bytes, sorted by seq */
	struct rcvbuf_page *pages;
	uint32_t npages, pages_cap;
	uint32_t ooo_mem_max;		/* bytes of pages this buffer may hold (0: as many as
					 * cover the capacity) */
	struct tcp_rcvbuf_pool *pool;	/* shared bound, or NULL */

	uint64_t ooo_dropped;	/* segments dropped: range list full or memory bound */
	uint64_t nomem_dropped; /* segments dropped: allocation failed */
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
	rb->ooo_limit = TCP_RCVBUF_MAX_OOO;
	return rb;
}

void tcp_rcvbuf_set_ooo_mem(struct tcp_rcvbuf *rb, uint32_t max_bytes, struct tcp_rcvbuf_pool *pool)
{
	rb->ooo_mem_max = max_bytes;
	rb->pool = pool;
}

uint32_t tcp_rcvbuf_ooo_mem(const struct tcp_rcvbuf *rb)
{
	return rb->npages * RCVBUF_PAGE;
}

/* Free pages [0, n) (their bytes are in the ring or no longer wanted). */
static void pages_drop_front(struct tcp_rcvbuf *rb, uint32_t n)
{
	if (!n)
		return;
	for (uint32_t i = 0; i < n; i++)
		free(rb->pages[i].data);
	memmove(rb->pages, rb->pages + n, (rb->npages - n) * sizeof(rb->pages[0]));
	rb->npages -= n;
	if (rb->pool)
		rb->pool->used -= (uint64_t)n * RCVBUF_PAGE;
}

static void pages_free_all(struct tcp_rcvbuf *rb)
{
	pages_drop_front(rb, rb->npages);
	free(rb->pages);
	rb->pages = NULL;
	rb->pages_cap = 0;
}

void tcp_rcvbuf_set_ooo_limit(struct tcp_rcvbuf *rb, uint32_t limit)
{
	if (limit < TCP_RCVBUF_MAX_OOO)
		limit = TCP_RCVBUF_MAX_OOO;
	if (limit > TCP_RCVBUF_OOO_LIMIT_MAX)
		limit = TCP_RCVBUF_OOO_LIMIT_MAX;
	rb->ooo_limit = limit;
}

/* Free the range array and the recent changes (only when no range is held). */
static void ooo_shrink(struct tcp_rcvbuf *rb)
{
	if (!rb->ooo || rb->nooo)
		return;
	free(rb->ooo);
	free(rb->recent);
	rb->ooo = NULL;
	rb->recent = NULL;
	rb->ooo_cap = 0;
	rb->nrecent = 0;
}

void tcp_rcvbuf_free(struct tcp_rcvbuf *rb)
{
	if (!rb)
		return;
	free(rb->ring);
	free(rb->ooo);
	free(rb->recent);
	pages_free_all(rb);
	free(rb);
}

void tcp_rcvbuf_reset(struct tcp_rcvbuf *rb, uint32_t rcv_nxt)
{
	rb->rcv_nxt = rcv_nxt;
	rb->rd = 0;
	rb->readable = 0;
	rb->nooo = 0;
	ooo_shrink(rb);
	pages_free_all(rb);
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

/* Bytes from the oldest unread byte to the end of what is held (in order or not). */
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

/* Move the readable bytes into a new ring of cap bytes (cap >= readable), oldest at 0. */
static int ring_realloc(struct tcp_rcvbuf *rb, uint32_t cap)
{
	uint32_t span = rb->readable, first;
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
	pages_free_all(rb);
	free(rb->ring);
	rb->ring = NULL;
	rb->ring_cap = 0;
	rb->rd = 0;
}

size_t tcp_rcvbuf_mem(const struct tcp_rcvbuf *rb)
{
	size_t ranges = (size_t)rb->ooo_cap * sizeof(rb->ooo[0]) +
			(rb->recent ? RCVBUF_RECENT * sizeof(rb->recent[0]) : 0);

	return sizeof(*rb) + rb->ring_cap + ranges + (size_t)rb->npages * RCVBUF_PAGE +
	       (size_t)rb->pages_cap * sizeof(rb->pages[0]);
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

/* Index of the first page not below page seq pseq (npages if none). */
static uint32_t page_find(const struct tcp_rcvbuf *rb, uint32_t pseq)
{
	uint32_t lo = 0, hi = rb->npages;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (SEQ_LT(rb->pages[mid].seq, pseq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t page_of(uint32_t seq)
{
	return seq & ~(RCVBUF_PAGE - 1);
}

/* Pages of [seq, end) not allocated yet. */
static uint32_t pages_missing(const struct tcp_rcvbuf *rb, uint32_t seq, uint32_t end)
{
	uint32_t n = 0, i = page_find(rb, page_of(seq));

	for (uint32_t ps = page_of(seq); SEQ_LT(ps, end); ps += RCVBUF_PAGE) {
		if (i < rb->npages && rb->pages[i].seq == ps)
			i++;
		else
			n++;
	}
	return n;
}

/* Store out-of-order bytes [seq, seq + len) in pages. -1 (nothing stored) when the buffer's or
 * the pool's bound would be passed (*limit set) or on ENOMEM. */
static int pages_write(struct tcp_rcvbuf *rb, uint32_t seq, const uint8_t *data, uint32_t len,
		       bool *limit)
{
	uint32_t end = seq + len, need = pages_missing(rb, seq, end);
	uint64_t bytes = (uint64_t)need * RCVBUF_PAGE;

	uint64_t max = rb->ooo_mem_max ? rb->ooo_mem_max
				       : ((uint64_t)rb->capacity / RCVBUF_PAGE + 2) * RCVBUF_PAGE;

	*limit = false;
	if ((uint64_t)rb->npages * RCVBUF_PAGE + bytes > max ||
	    (rb->pool && rb->pool->used + bytes > rb->pool->max)) {
		*limit = true;
		return -1;
	}
	if (rb->npages + need > rb->pages_cap) {
		uint32_t cap = rb->pages_cap ? rb->pages_cap : 4;
		struct rcvbuf_page *n;

		while (cap < rb->npages + need)
			cap *= 2;
		n = realloc(rb->pages, (size_t)cap * sizeof(*n));
		if (!n)
			return -1;
		rb->pages = n;
		rb->pages_cap = cap;
	}
	uint32_t i = page_find(rb, page_of(seq));
	for (uint32_t ps = page_of(seq); SEQ_LT(ps, end); ps += RCVBUF_PAGE, i++) {
		if (i == rb->npages || rb->pages[i].seq != ps) {
			/* on ENOMEM the pages allocated so far stay, empty and counted: freed
			 * when rcv_nxt passes them or at reset */
			uint8_t *d = malloc(RCVBUF_PAGE);
			if (!d)
				return -1;
			memmove(&rb->pages[i + 1], &rb->pages[i], (rb->npages - i) * sizeof(rb->pages[0]));
			rb->pages[i] = (struct rcvbuf_page){.seq = ps, .data = d};
			rb->npages++;
			if (rb->pool)
				rb->pool->used += RCVBUF_PAGE;
		}
		uint32_t from = SEQ_GT(seq, ps) ? seq : ps;
		uint32_t to = SEQ_LT(end, ps + RCVBUF_PAGE) ? end : ps + RCVBUF_PAGE;
		memcpy(rb->pages[i].data + (from - ps), data + (from - seq), to - from);
	}
	return 0;
}

/* Copy out-of-order bytes [seq, end) from the pages to the ring, at ring offset `at`. */
static void pages_to_ring(struct tcp_rcvbuf *rb, uint32_t seq, uint32_t end, uint32_t at)
{
	uint32_t i = page_find(rb, page_of(seq));

	while (SEQ_LT(seq, end) && i < rb->npages) {
		uint32_t ps = rb->pages[i].seq;
		uint32_t to = SEQ_LT(end, ps + RCVBUF_PAGE) ? end : ps + RCVBUF_PAGE;

		ring_write(rb, at, rb->pages[i].data + (seq - ps), to - seq);
		at += to - seq;
		seq = to;
		i++;
	}
}

/* Free the pages that hold nothing beyond rcv_nxt any more: every page below the first
 * out-of-order range (pages exist only where range bytes were written). */
static void pages_trim(struct tcp_rcvbuf *rb)
{
	uint32_t n = rb->npages;

	if (rb->nooo)
		n = page_find(rb, page_of(rb->ooo[0].start));
	if (n)
		pages_drop_front(rb, n);
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
	if (!rb->recent && !(rb->recent = malloc(RCVBUF_RECENT * sizeof(*rb->recent))))
		return -1;
	cap = !rb->ooo_cap ? RCVBUF_OOO_MIN : rb->ooo_cap > limit / 2 ? limit : rb->ooo_cap * 2;
	n = malloc((size_t)cap * sizeof(*n));
	if (!n)
		return -1;
	if (rb->nooo)
		memcpy(n, rb->ooo, rb->nooo * sizeof(*n));
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

/* Whether ooo_add(seq, end) would succeed: it merges, or the list has room (reserved). */
static bool ooo_room(struct tcp_rcvbuf *rb, uint32_t seq, uint32_t end)
{
	uint32_t i = ooo_find(rb, seq);

	if (i < rb->nooo && rel(rb, rb->ooo[i].start) <= rel(rb, end))
		return true;
	return ooo_reserve(rb) == 0;
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

/* Where in-order data ending at end reaches once the out-of-order ranges now contiguous with
 * it are absorbed. */
static uint32_t advance_end(const struct tcp_rcvbuf *rb, uint32_t end)
{
	for (uint32_t k = 0; k < rb->nooo && SEQ_LEQ(rb->ooo[k].start, end); k++)
		end = seq_max(end, rb->ooo[k].end);
	return end;
}

/* rcv_nxt reached end (its bytes are in the ring): absorb the out-of-order ranges now
 * contiguous with it, moving their bytes from the pages to the ring (reserved by the
 * caller). */
static uint32_t advance(struct tcp_rcvbuf *rb, uint32_t end)
{
	uint32_t old = rb->rcv_nxt, k = 0;

	while (k < rb->nooo && SEQ_LEQ(rb->ooo[k].start, end)) {
		if (SEQ_GT(rb->ooo[k].end, end)) {
			pages_to_ring(rb, end, rb->ooo[k].end, rb->readable + (end - old));
			end = rb->ooo[k].end;
		}
		k++;
	}
	if (k) {
		memmove(&rb->ooo[0], &rb->ooo[k], (rb->nooo - k) * sizeof(rb->ooo[0]));
		rb->nooo -= k;
		ooo_shrink(rb);
	}
	recent_forget(rb, old, end);
	rb->rcv_nxt = end;
	rb->readable += end - old;
	pages_trim(rb);
	if (!rb->nooo)
		ooo_shrink(rb);
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

	if (off) {
		bool limit;

		/* RFC 9293 allows discarding out-of-order data. */
		if (!ooo_room(rb, seq, seq + len)) {
			rb->ooo_dropped++;
			return 0;
		}
		if (pages_write(rb, seq, data, len, &limit) < 0) {
			if (limit)
				rb->ooo_dropped++;
			else
				rb->nomem_dropped++;
			return 0;
		}
		(void)ooo_add(rb, seq, seq + len); /* ooo_room said it fits */
		return 0;
	}
	if (ring_reserve(rb, rb->readable + (advance_end(rb, seq + len) - rb->rcv_nxt)) < 0) {
		rb->nomem_dropped++;
		return 0;
	}
	ring_write(rb, rb->readable, data, len);
	return advance(rb, seq + len);
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
	/* all read and no hole: an idle connection keeps no ring (issue 13) */
	if (!rb->readable && !rb->nooo)
		tcp_rcvbuf_release(rb);
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

bool tcp_rcvbuf_check(const struct tcp_rcvbuf *rb)
{
	uint32_t edge = rb->rcv_nxt + tcp_rcvbuf_window(rb);

	if (rb->readable > rb->capacity || (rb->readable && rb->readable > rb->ring_cap) ||
	    (rb->ring_cap && rb->rd >= rb->ring_cap) || rb->nooo > rb->ooo_cap ||
	    rb->npages > rb->pages_cap || rb->nrecent > RCVBUF_RECENT)
		return false;
	for (uint32_t i = 0; i < rb->nooo; i++) {
		const struct rcvbuf_range *r = &rb->ooo[i];

		if (!SEQ_GT(r->start, rb->rcv_nxt) || !SEQ_LT(r->start, r->end) ||
		    SEQ_GT(r->end, edge) || (i && !SEQ_GT(r->start, rb->ooo[i - 1].end)))
			return false;
	}
	for (uint32_t i = 0; i < rb->npages; i++) {
		const struct rcvbuf_page *pg = &rb->pages[i];

		if ((pg->seq & (RCVBUF_PAGE - 1)) || !pg->data ||
		    (i && !SEQ_GT(pg->seq, rb->pages[i - 1].seq)))
			return false;
	}
	/* every range byte has its page */
	for (uint32_t i = 0; i < rb->nooo; i++)
		if (pages_missing(rb, rb->ooo[i].start, rb->ooo[i].end))
			return false;
	return true;
}
