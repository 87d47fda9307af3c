/* SPDX-License-Identifier: BSD-2-Clause */
/* The neighbour cache (ARP: RFC 826, RFC 1122 section 2.3.2; IPv6 Neighbor Discovery: RFC 4861
 * section 7.3): IPv4 or IPv6 address -> MAC entries with expiry, and a bounded queue of frames
 * waiting for a resolution. A data structure only: the host's ARP module (arp.c) and ND module
 * (ndisc.c) send the requests and solicitations, resolve.c runs the retries and expiry. */
#ifndef IOTCP_HOST_NEIGH_H
#define IOTCP_HOST_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/types.h"
#include "wire/eth.h"
#include "wire/ipv6.h"

#define NEIGH_MAX	  256 /* entries */
#define NEIGH_BUCKETS	  64
#define NEIGH_QUEUE_ENTRY 16  /* frames waiting per unresolved address (RFC 1122 2.3.2.2) */
#define NEIGH_QUEUE_TOTAL 512 /* frames waiting in all */
#define NEIGH_PROBES	  3   /* requests before giving up */
#define NEIGH_RETRY	  (1 * TCP_SEC)
#define NEIGH_TTL	  (60 * TCP_SEC)

enum neigh_state {
	NEIGH_FREE = 0,
	NEIGH_INCOMPLETE, /* request sent, frames queue */
	NEIGH_REACHABLE,  /* resolved, younger than the TTL */
	NEIGH_STALE,	  /* expired: still used while a refresh request is out */
};

struct neigh_pkt {
	struct neigh_pkt *next;
	uint32_t len;
	uint8_t data[]; /* a whole Ethernet frame; its destination is filled at resolution */
};

struct neigh_entry {
	uint32_t ip;	      /* IPv4 entries (v6 false) */
	struct ipv6_addr ip6; /* IPv6 entries (v6 true) */
	bool v6;
	struct mac_addr mac;
	uint8_t state;
	uint8_t probes;
	int32_t chain; /* next index in the bucket or the free list, -1 = end */
	tcp_time_t expires, next_probe;
	struct neigh_pkt *qhead, *qtail;
	uint32_t qlen;
};

/* The neighbour table's counters, each named once: the fields of struct neigh_stats and the
 * stats lines "arp_<name>" (stats.c; ND counts in them too), in this order. */
#define NEIGH_STATS(X)                                                                             \
	X(learned) X(resolved) X(failed) X(evicted) X(queued) X(queue_drops) X(expired)
#define NEIGH_STATS_FIELD_(name) uint64_t name;

struct neigh_stats {
	NEIGH_STATS(NEIGH_STATS_FIELD_)
};

struct neigh_table {
	struct neigh_entry e[NEIGH_MAX];
	int32_t bucket[NEIGH_BUCKETS];
	int32_t free_head;
	uint32_t count, qtotal;
	tcp_time_t ttl;
	struct neigh_stats st;
};

void neigh_init(struct neigh_table *t, tcp_time_t ttl);
/* Drop every entry and queued frame. */
void neigh_clear(struct neigh_table *t);
struct neigh_entry *neigh_find(struct neigh_table *t, uint32_t ip);
/* New INCOMPLETE entry for ip (evicting an idle entry when full); NULL when none can be. */
struct neigh_entry *neigh_create(struct neigh_table *t, uint32_t ip, tcp_time_t now);
/* Record ip -> mac as REACHABLE until now + ttl. The entry is created only when create is
 * true. Returns the entry (its queue is still there: send it with neigh_take_queue), or NULL. */
struct neigh_entry *neigh_learn(struct neigh_table *t, uint32_t ip, const struct mac_addr *mac,
				tcp_time_t now, bool create);
/* The same for IPv6 addresses (one table holds both families). */
struct neigh_entry *neigh_find6(struct neigh_table *t, const struct ipv6_addr *ip);
struct neigh_entry *neigh_create6(struct neigh_table *t, const struct ipv6_addr *ip,
				  tcp_time_t now);
struct neigh_entry *neigh_learn6(struct neigh_table *t, const struct ipv6_addr *ip,
				 const struct mac_addr *mac, tcp_time_t now, bool create);
/* Queue a copy of frame on an unresolved entry. 0, or -ENOBUFS (counted in queue_drops). */
int neigh_enqueue(struct neigh_table *t, struct neigh_entry *e, const void *frame, size_t len);
/* Detach the entry's queued frames (the caller frees each with free()). */
struct neigh_pkt *neigh_take_queue(struct neigh_table *t, struct neigh_entry *e);
/* Remove an entry, dropping its queue (counted in queue_drops). */
void neigh_remove(struct neigh_table *t, struct neigh_entry *e);

#endif
