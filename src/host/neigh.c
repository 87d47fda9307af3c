/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP neighbour cache: see neigh.h. */
#include "host/neigh.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static unsigned bucket_of(uint32_t ip)
{
	return (ip * 2654435761u) >> 26; /* Fibonacci hash to 6 bits */
}

void neigh_init(struct neigh_table *t, tcp_time_t ttl)
{
	memset(t, 0, sizeof(*t));
	t->ttl = ttl ? ttl : NEIGH_TTL;
	for (unsigned i = 0; i < NEIGH_BUCKETS; i++)
		t->bucket[i] = -1;
	for (int32_t i = 0; i < NEIGH_MAX; i++)
		t->e[i].chain = i + 1 < NEIGH_MAX ? i + 1 : -1;
	t->free_head = 0;
}

static void drop_queue(struct neigh_table *t, struct neigh_entry *e)
{
	struct neigh_pkt *p = neigh_take_queue(t, e);

	while (p) {
		struct neigh_pkt *n = p->next;
		t->st.queue_drops++;
		free(p);
		p = n;
	}
}

void neigh_clear(struct neigh_table *t)
{
	for (unsigned i = 0; i < NEIGH_MAX; i++)
		if (t->e[i].state != NEIGH_FREE)
			neigh_remove(t, &t->e[i]);
}

struct neigh_entry *neigh_find(struct neigh_table *t, uint32_t ip)
{
	for (int32_t i = t->bucket[bucket_of(ip)]; i >= 0; i = t->e[i].chain)
		if (t->e[i].ip == ip)
			return &t->e[i];
	return NULL;
}

void neigh_remove(struct neigh_table *t, struct neigh_entry *e)
{
	int32_t idx = (int32_t)(e - t->e);
	int32_t *pp = &t->bucket[bucket_of(e->ip)];

	drop_queue(t, e);
	while (*pp >= 0 && *pp != idx)
		pp = &t->e[*pp].chain;
	if (*pp == idx)
		*pp = e->chain;
	memset(e, 0, sizeof(*e));
	e->chain = t->free_head;
	t->free_head = idx;
	t->count--;
}

/* Evict the entry expiring first among those with nothing queued. */
static bool evict_one(struct neigh_table *t)
{
	struct neigh_entry *victim = NULL;

	for (unsigned i = 0; i < NEIGH_MAX; i++) {
		struct neigh_entry *e = &t->e[i];
		if (e->state == NEIGH_FREE || e->qlen)
			continue;
		if (!victim || e->expires < victim->expires)
			victim = e;
	}
	if (!victim)
		return false;
	neigh_remove(t, victim);
	t->st.evicted++;
	return true;
}

struct neigh_entry *neigh_create(struct neigh_table *t, uint32_t ip, tcp_time_t now)
{
	struct neigh_entry *e;
	unsigned b = bucket_of(ip);

	if (t->free_head < 0 && !evict_one(t))
		return NULL;
	e = &t->e[t->free_head];
	t->free_head = e->chain;
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->state = NEIGH_INCOMPLETE;
	e->expires = now;
	e->next_probe = now;
	e->chain = t->bucket[b];
	t->bucket[b] = (int32_t)(e - t->e);
	t->count++;
	return e;
}

struct neigh_entry *neigh_learn(struct neigh_table *t, uint32_t ip, const struct mac_addr *mac,
				tcp_time_t now, bool create)
{
	struct neigh_entry *e = neigh_find(t, ip);
	bool fresh = false;

	if (!e) {
		if (!create)
			return NULL;
		e = neigh_create(t, ip, now);
		if (!e)
			return NULL;
		fresh = true;
	}
	if (e->state == NEIGH_INCOMPLETE && !fresh)
		t->st.resolved++;
	else
		t->st.learned++;
	e->mac = *mac;
	e->state = NEIGH_REACHABLE;
	e->probes = 0;
	e->expires = now + t->ttl;
	return e;
}

int neigh_enqueue(struct neigh_table *t, struct neigh_entry *e, const void *frame, size_t len)
{
	struct neigh_pkt *p;

	if (e->qlen >= NEIGH_QUEUE_ENTRY || t->qtotal >= NEIGH_QUEUE_TOTAL)
		goto drop;
	p = malloc(sizeof(*p) + len);
	if (!p)
		goto drop;
	p->next = NULL;
	p->len = (uint32_t)len;
	memcpy(p->data, frame, len);
	if (e->qtail)
		e->qtail->next = p;
	else
		e->qhead = p;
	e->qtail = p;
	e->qlen++;
	t->qtotal++;
	t->st.queued++;
	return 0;
drop:
	t->st.queue_drops++;
	return -ENOBUFS;
}

struct neigh_pkt *neigh_take_queue(struct neigh_table *t, struct neigh_entry *e)
{
	struct neigh_pkt *p = e->qhead;

	t->qtotal -= e->qlen;
	e->qhead = e->qtail = NULL;
	e->qlen = 0;
	return p;
}
