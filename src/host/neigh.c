/* SPDX-License-Identifier: BSD-2-Clause */
/* Neighbour cache (ARP and IPv6 ND): see neigh.h. */
#include "host/neigh.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* An entry's address: IPv4 (v6 false) or IPv6. */
struct neigh_key {
	bool v6;
	uint32_t ip;
	const struct ipv6_addr *ip6;
};

static unsigned hash32(uint32_t ip)
{
	return (ip * 2654435761u) >> 26; /* Fibonacci hash to 6 bits */
}

static unsigned bucket_of(const struct neigh_key *k)
{
	uint32_t h = 0;

	if (!k->v6)
		return hash32(k->ip);
	for (unsigned i = 0; i < 16; i += 4)
		h ^= (uint32_t)k->ip6->b[i] << 24 | (uint32_t)k->ip6->b[i + 1] << 16 |
		     (uint32_t)k->ip6->b[i + 2] << 8 | k->ip6->b[i + 3];
	return hash32(h);
}

static struct neigh_key key_of(const struct neigh_entry *e)
{
	struct neigh_key k = {.v6 = e->v6, .ip = e->ip, .ip6 = &e->ip6};
	return k;
}

static bool key_match(const struct neigh_entry *e, const struct neigh_key *k)
{
	if (e->v6 != k->v6)
		return false;
	return k->v6 ? ipv6_addr_equal(&e->ip6, k->ip6) : e->ip == k->ip;
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

static struct neigh_entry *find_key(struct neigh_table *t, const struct neigh_key *k)
{
	for (int32_t i = t->bucket[bucket_of(k)]; i >= 0; i = t->e[i].chain)
		if (key_match(&t->e[i], k))
			return &t->e[i];
	return NULL;
}

struct neigh_entry *neigh_find(struct neigh_table *t, uint32_t ip)
{
	struct neigh_key k = {.ip = ip};
	return find_key(t, &k);
}

struct neigh_entry *neigh_find6(struct neigh_table *t, const struct ipv6_addr *ip)
{
	struct neigh_key k = {.v6 = true, .ip6 = ip};
	return find_key(t, &k);
}

void neigh_remove(struct neigh_table *t, struct neigh_entry *e)
{
	int32_t idx = (int32_t)(e - t->e);
	struct neigh_key k = key_of(e);
	int32_t *pp = &t->bucket[bucket_of(&k)];

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

static struct neigh_entry *create_key(struct neigh_table *t, const struct neigh_key *k,
				      tcp_time_t now)
{
	struct neigh_entry *e;
	unsigned b = bucket_of(k);

	if (t->free_head < 0 && !evict_one(t))
		return NULL;
	e = &t->e[t->free_head];
	t->free_head = e->chain;
	memset(e, 0, sizeof(*e));
	e->v6 = k->v6;
	if (k->v6)
		e->ip6 = *k->ip6;
	else
		e->ip = k->ip;
	e->state = NEIGH_INCOMPLETE;
	e->expires = now;
	e->next_probe = now;
	e->chain = t->bucket[b];
	t->bucket[b] = (int32_t)(e - t->e);
	t->count++;
	return e;
}

struct neigh_entry *neigh_create(struct neigh_table *t, uint32_t ip, tcp_time_t now)
{
	struct neigh_key k = {.ip = ip};
	return create_key(t, &k, now);
}

struct neigh_entry *neigh_create6(struct neigh_table *t, const struct ipv6_addr *ip, tcp_time_t now)
{
	struct neigh_key k = {.v6 = true, .ip6 = ip};
	return create_key(t, &k, now);
}

static struct neigh_entry *learn_key(struct neigh_table *t, const struct neigh_key *k,
				     const struct mac_addr *mac, tcp_time_t now, bool create)
{
	struct neigh_entry *e = find_key(t, k);
	bool fresh = false;

	if (!e) {
		if (!create)
			return NULL;
		e = create_key(t, k, now);
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

struct neigh_entry *neigh_learn(struct neigh_table *t, uint32_t ip, const struct mac_addr *mac,
				tcp_time_t now, bool create)
{
	struct neigh_key k = {.ip = ip};
	return learn_key(t, &k, mac, now, create);
}

struct neigh_entry *neigh_learn6(struct neigh_table *t, const struct ipv6_addr *ip,
				 const struct mac_addr *mac, tcp_time_t now, bool create)
{
	struct neigh_key k = {.v6 = true, .ip6 = ip};
	return learn_key(t, &k, mac, now, create);
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
