/* SPDX-License-Identifier: BSD-2-Clause */
/* Binary min-heap of frame pointers. */
#include "frame_heap.h"

#include <stdbool.h>
#include <stdlib.h>

static bool earlier(const struct frame *a, const struct frame *b)
{
	if (a->due_ns != b->due_ns)
		return a->due_ns < b->due_ns;
	return a->seq < b->seq;
}

int frame_heap_init(struct frame_heap *h, size_t limit)
{
	h->n = 0;
	h->limit = limit ? limit : 1;
	h->cap = h->limit < 256 ? h->limit : 256;
	h->v = calloc(h->cap, sizeof(*h->v));
	return h->v ? 0 : -1;
}

void frame_heap_fini(struct frame_heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

int frame_heap_push(struct frame_heap *h, struct frame *f)
{
	size_t i;

	if (h->n >= h->limit)
		return -1;
	if (h->n == h->cap) {
		size_t cap = h->cap * 2 > h->limit ? h->limit : h->cap * 2;
		struct frame **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!earlier(f, h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = f;
	return 0;
}

struct frame *frame_heap_peek(const struct frame_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

struct frame *frame_heap_pop(struct frame_heap *h)
{
	struct frame *top, *last;
	size_t i = 0;

	if (!h->n)
		return NULL;
	top = h->v[0];
	last = h->v[--h->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && earlier(h->v[c + 1], h->v[c]))
			c++;
		if (!earlier(h->v[c], last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}
