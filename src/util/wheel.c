/* SPDX-License-Identifier: BSD-2-Clause */
/* The hashed timer wheel (see wheel.h). */
#include "util/wheel.h"

#include <stdlib.h>

int wheel_init(struct wheel *w, uint32_t nslots, uint64_t tick, uint64_t now)
{
	uint32_t n = 1;

	while (n < nslots && n < (1u << 30))
		n <<= 1;
	w->slots = malloc((size_t)n * sizeof(*w->slots));
	if (!w->slots)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		w->slots[i].prev = w->slots[i].next = &w->slots[i];
	w->nslots = n;
	w->tick = tick ? tick : 1;
	w->cur = now / w->tick;
	w->armed = 0;
	return 0;
}

void wheel_free(struct wheel *w)
{
	free(w->slots);
	w->slots = NULL;
}

void wheel_cancel(struct wheel *w, struct wheel_timer *t)
{
	if (!t->prev)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->prev = t->next = NULL;
	w->armed--;
}

void wheel_arm(struct wheel *w, struct wheel_timer *t, uint64_t due)
{
	uint64_t slot = due / w->tick;

	wheel_cancel(w, t);
	if (slot < w->cur)
		slot = w->cur; /* already due: the next sweep */
	if (slot - w->cur >= w->nslots)
		slot = w->cur + w->nslots - 1; /* beyond the span: handed back early */
	struct wheel_timer *head = &w->slots[slot & (w->nslots - 1)];
	t->due = due;
	t->next = head;
	t->prev = head->prev;
	head->prev->next = t;
	head->prev = t;
	w->armed++;
}

uint64_t wheel_sweep(struct wheel *w, uint64_t now, void (*fn)(struct wheel_timer *t, void *arg),
		     void *arg)
{
	uint64_t last = now / w->tick, n = 0;
	struct wheel_timer due;

	if (last < w->cur)
		return 0;
	/* an idle wheel skips ahead instead of walking every slot of a long gap */
	if (!w->armed) {
		w->cur = last + 1;
		return 0;
	}
	/* move the expired slots' timers to a list of their own first (still armed: fn may
	 * cancel any of them), and the wheel past them: a timer fn re-arms lands in a slot the
	 * next sweep visits, never in this one */
	due.prev = due.next = &due;
	uint64_t end = last - w->cur >= w->nslots ? w->cur + w->nslots - 1 : last;
	for (; w->cur <= end; w->cur++) {
		struct wheel_timer *head = &w->slots[w->cur & (w->nslots - 1)];
		if (head->next == head)
			continue;
		head->next->prev = due.prev;
		due.prev->next = head->next;
		head->prev->next = &due;
		due.prev = head->prev;
		head->prev = head->next = head;
	}
	w->cur = last + 1;
	while (due.next != &due) {
		struct wheel_timer *t = due.next;
		due.next = t->next;
		t->next->prev = &due;
		t->prev = t->next = NULL;
		w->armed--;
		n++;
		fn(t, arg);
	}
	return n;
}
