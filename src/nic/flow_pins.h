/* SPDX-License-Identifier: BSD-2-Clause */
/* The store blocks one flow pins, as a multiset of (file key, block index): how many of the
 * flow's jobs hold each block. Its size in distinct blocks is the flow's footprint in the
 * store (a retransmission of a range already pinned by the flow costs nothing more), which is
 * what the per-flow pin limit bounds (issue 14 finding 6). Open addressing, linear probing,
 * backward-shift deletion; it grows as needed and shrinks back to nothing when empty. */
#ifndef IOTCP_NIC_FLOW_PINS_H
#define IOTCP_NIC_FLOW_PINS_H

#include <stdint.h>

struct flow_pin;

struct flow_pins {
	struct flow_pin *slots;
	uint32_t cap;	   /* power of two, or 0 */
	uint32_t distinct; /* blocks with a count */
};

/* Of the blocks first..first+n-1 of key, how many the flow does not hold yet. */
uint32_t flow_pins_missing(const struct flow_pins *p, uint64_t key, uint64_t first, uint32_t n);
/* One more hold on (key, index). 0 or -ENOMEM (nothing changed). */
int flow_pins_add(struct flow_pins *p, uint64_t key, uint32_t index);
/* One hold less; the entry goes with its last one. */
void flow_pins_del(struct flow_pins *p, uint64_t key, uint32_t index);
/* How many holds the flow has on (key, index). */
uint32_t flow_pins_count(const struct flow_pins *p, uint64_t key, uint32_t index);
/* Total holds (sum of counts), for the invariant checks. */
uint64_t flow_pins_total(const struct flow_pins *p);
void flow_pins_free(struct flow_pins *p);

#endif
