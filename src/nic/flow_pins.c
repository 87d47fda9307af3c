/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-flow multiset of pinned store blocks, open addressing (see flow_pins.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "nic/flow_pins.h"

struct flow_pin {
	uint64_t key;
	uint32_t index;
	uint32_t count; /* 0: empty slot */
};

static uint32_t home(const struct flow_pins *p, uint64_t key, uint32_t index)
{
	uint64_t h = (key ^ ((uint64_t)index * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 32) & (p->cap - 1);
}

/* The slot of (key, index), or of the empty slot where it would go. */
static uint32_t find(const struct flow_pins *p, uint64_t key, uint32_t index)
{
	uint32_t i = home(p, key, index);
	while (p->slots[i].count && (p->slots[i].key != key || p->slots[i].index != index))
		i = (i + 1) & (p->cap - 1);
	return i;
}

uint32_t flow_pins_count(const struct flow_pins *p, uint64_t key, uint32_t index)
{
	return p->cap ? p->slots[find(p, key, index)].count : 0;
}

uint32_t flow_pins_missing(const struct flow_pins *p, uint64_t key, uint64_t first, uint32_t n)
{
	uint32_t missing = 0;
	for (uint32_t k = 0; k < n; k++)
		missing += flow_pins_count(p, key, (uint32_t)(first + k)) == 0;
	return missing;
}

static int resize(struct flow_pins *p, uint32_t cap)
{
	struct flow_pin *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	struct flow_pins n = {slots, cap, 0};
	for (uint32_t i = 0; i < p->cap; i++) {
		if (!p->slots[i].count)
			continue;
		n.slots[find(&n, p->slots[i].key, p->slots[i].index)] = p->slots[i];
		n.distinct++;
	}
	free(p->slots);
	*p = n;
	return 0;
}

int flow_pins_add(struct flow_pins *p, uint64_t key, uint32_t index)
{
	/* at most 3/4 full, so probes end */
	if ((p->distinct + 1) * 4 > p->cap * 3 && resize(p, p->cap ? p->cap * 2 : 16) < 0)
		return -ENOMEM;
	struct flow_pin *e = &p->slots[find(p, key, index)];
	if (!e->count) {
		e->key = key;
		e->index = index;
		p->distinct++;
	}
	e->count++;
	return 0;
}

void flow_pins_del(struct flow_pins *p, uint64_t key, uint32_t index)
{
	if (!p->cap)
		return;
	uint32_t i = find(p, key, index), mask = p->cap - 1;
	if (!p->slots[i].count || --p->slots[i].count)
		return;
	p->distinct--;
	/* backward shift: pull later entries of the probe run into the hole */
	for (uint32_t j = (i + 1) & mask; p->slots[j].count; j = (j + 1) & mask) {
		uint32_t h = home(p, p->slots[j].key, p->slots[j].index);
		bool movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
		if (movable) {
			p->slots[i] = p->slots[j];
			p->slots[j].count = 0;
			i = j;
		}
	}
	if (!p->distinct)
		flow_pins_free(p);
}

uint64_t flow_pins_total(const struct flow_pins *p)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < p->cap; i++)
		n += p->slots[i].count;
	return n;
}

void flow_pins_free(struct flow_pins *p)
{
	free(p->slots);
	p->slots = NULL;
	p->cap = 0;
	p->distinct = 0;
}
