/* SPDX-License-Identifier: BSD-2-Clause */
/* Event scheduler: a binary min-heap of (time, order) keys over a slab of event slots. Each slot
 * remembers its heap position, so cancelling removes the event at once (no tombstones piling up
 * when endpoints re-arm timers on every packet). Timer ids carry a slot index and a generation
 * so a stale id can never cancel a later event that reuses the slot. */
#include "sim.h"

#include <stdlib.h>

struct heap_entry {
	tcp_time_t at;
	uint64_t order; /* scheduling sequence number: ties at equal times run FIFO */
	uint32_t slot;
};

struct event_slot {
	sim_event_fn cb; /* NULL when the slot is free */
	void *ctx;
	uint32_t gen;
	uint32_t heap_pos; /* index in sim->heap while pending; next free slot while free */
};

struct sim {
	tcp_time_t now;
	uint64_t seed;
	uint64_t next_order;
	uint64_t events_run;
	bool stop;
	struct rng rng;

	struct heap_entry *heap;
	uint32_t heap_len, heap_cap;

	struct event_slot *slots;
	uint32_t slots_len, slots_cap;
	uint32_t free_head; /* UINT32_MAX: none */
};

#define NO_SLOT UINT32_MAX

static sim_timer_t make_id(uint32_t slot, uint32_t gen)
{
	return ((uint64_t)gen << 32) | ((uint64_t)slot + 1);
}

/* The slot of a pending event with this id, or NULL. */
static struct event_slot *pending_slot(const struct sim *sim, sim_timer_t id)
{
	uint64_t low = id & 0xffffffffu;
	uint32_t slot, gen = (uint32_t)(id >> 32);

	if (low == 0 || low > sim->slots_len)
		return NULL;
	slot = (uint32_t)(low - 1);
	if (sim->slots[slot].cb == NULL || sim->slots[slot].gen != gen)
		return NULL;
	return &sim->slots[slot];
}

struct sim *sim_new(uint64_t seed)
{
	struct sim *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->seed = seed;
	sim->free_head = NO_SLOT;
	rng_seed(&sim->rng, rng_derive(seed, 0));
	return sim;
}

void sim_free(struct sim *sim)
{
	if (!sim)
		return;
	free(sim->heap);
	free(sim->slots);
	free(sim);
}

tcp_time_t sim_now(const struct sim *sim)
{
	return sim->now;
}

uint64_t sim_seed(const struct sim *sim)
{
	return sim->seed;
}

struct rng *sim_rng(struct sim *sim)
{
	return &sim->rng;
}

static bool entry_before(const struct heap_entry *a, const struct heap_entry *b)
{
	return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void heap_place(struct sim *sim, uint32_t pos, struct heap_entry e)
{
	sim->heap[pos] = e;
	sim->slots[e.slot].heap_pos = pos;
}

static void sift_up(struct sim *sim, uint32_t pos)
{
	struct heap_entry e = sim->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!entry_before(&e, &sim->heap[parent]))
			break;
		heap_place(sim, pos, sim->heap[parent]);
		pos = parent;
	}
	heap_place(sim, pos, e);
}

static void sift_down(struct sim *sim, uint32_t pos)
{
	struct heap_entry e = sim->heap[pos];
	uint32_t n = sim->heap_len;

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= n)
			break;
		if (child + 1 < n && entry_before(&sim->heap[child + 1], &sim->heap[child]))
			child++;
		if (!entry_before(&sim->heap[child], &e))
			break;
		heap_place(sim, pos, sim->heap[child]);
		pos = child;
	}
	heap_place(sim, pos, e);
}

/* Remove the heap entry at pos, keeping the heap property. */
static void heap_remove(struct sim *sim, uint32_t pos)
{
	uint32_t last = --sim->heap_len;

	if (pos == last)
		return;
	heap_place(sim, pos, sim->heap[last]);
	if (pos > 0 && entry_before(&sim->heap[pos], &sim->heap[(pos - 1) / 2]))
		sift_up(sim, pos);
	else
		sift_down(sim, pos);
}

static void slot_release(struct sim *sim, uint32_t slot)
{
	struct event_slot *s = &sim->slots[slot];

	s->cb = NULL;
	s->ctx = NULL;
	if (++s->gen == 0) /* keep ids nonzero-generation after wrap-around */
		s->gen = 1;
	s->heap_pos = sim->free_head;
	sim->free_head = slot;
}

static bool grow(void **arr, uint32_t *cap, size_t elem)
{
	uint32_t ncap = *cap ? *cap * 2 : 256;
	void *p;

	if (*cap >= UINT32_MAX / 2)
		return false;
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

sim_timer_t sim_schedule(struct sim *sim, tcp_time_t at, sim_event_fn cb, void *ctx)
{
	uint32_t slot;

	if (!cb || at == TCP_TIME_NEVER)
		return SIM_TIMER_NONE;
	if (at < sim->now)
		at = sim->now;
	if (sim->heap_len == sim->heap_cap &&
	    !grow((void **)&sim->heap, &sim->heap_cap, sizeof(*sim->heap)))
		return SIM_TIMER_NONE;
	if (sim->free_head != NO_SLOT) {
		slot = sim->free_head;
		sim->free_head = sim->slots[slot].heap_pos;
	} else {
		if (sim->slots_len == sim->slots_cap &&
		    !grow((void **)&sim->slots, &sim->slots_cap, sizeof(*sim->slots)))
			return SIM_TIMER_NONE;
		slot = sim->slots_len++;
		sim->slots[slot].gen = 1;
	}
	sim->slots[slot].cb = cb;
	sim->slots[slot].ctx = ctx;
	sim->heap[sim->heap_len] = (struct heap_entry){at, sim->next_order++, slot};
	sim->heap_len++;
	sift_up(sim, sim->heap_len - 1);
	return make_id(slot, sim->slots[slot].gen);
}

bool sim_cancel(struct sim *sim, sim_timer_t id)
{
	struct event_slot *s = pending_slot(sim, id);

	if (!s)
		return false;
	heap_remove(sim, s->heap_pos);
	slot_release(sim, (uint32_t)(s - sim->slots));
	return true;
}

bool sim_timer_pending(const struct sim *sim, sim_timer_t id)
{
	return pending_slot(sim, id) != NULL;
}

tcp_time_t sim_next_time(const struct sim *sim)
{
	return sim->heap_len ? sim->heap[0].at : TCP_TIME_NEVER;
}

uint64_t sim_pending(const struct sim *sim)
{
	return sim->heap_len;
}

uint64_t sim_events_run(const struct sim *sim)
{
	return sim->events_run;
}

bool sim_step(struct sim *sim)
{
	struct heap_entry top;
	sim_event_fn cb;
	void *ctx;

	if (sim->heap_len == 0)
		return false;
	top = sim->heap[0];
	cb = sim->slots[top.slot].cb;
	ctx = sim->slots[top.slot].ctx;
	heap_remove(sim, 0);
	slot_release(sim, top.slot);
	sim->now = top.at;
	sim->events_run++;
	cb(sim, ctx);
	return true;
}

uint64_t sim_run_until(struct sim *sim, tcp_time_t t)
{
	uint64_t ran = 0;

	sim->stop = false;
	while (sim->heap_len > 0 && sim->heap[0].at <= t) {
		sim_step(sim);
		ran++;
		if (sim->stop)
			goto out;
	}
	if (t != TCP_TIME_NEVER && t > sim->now)
		sim->now = t;
out:
	sim->stop = false;
	return ran;
}

void sim_stop(struct sim *sim)
{
	sim->stop = true;
}

bool sim_wakeup_set(struct sim *sim, struct sim_wakeup *w, tcp_time_t at, sim_event_fn cb,
		    void *ctx)
{
	bool pending = sim_timer_pending(sim, w->id);

	if (pending && w->at == at)
		return true;
	if (pending)
		sim_cancel(sim, w->id);
	w->id = SIM_TIMER_NONE;
	w->at = TCP_TIME_NEVER;
	if (at == TCP_TIME_NEVER)
		return true;
	w->id = sim_schedule(sim, at, cb, ctx);
	if (w->id == SIM_TIMER_NONE)
		return false;
	w->at = at;
	return true;
}

void sim_wakeup_cancel(struct sim *sim, struct sim_wakeup *w)
{
	sim_cancel(sim, w->id);
	w->id = SIM_TIMER_NONE;
	w->at = TCP_TIME_NEVER;
}
