/* SPDX-License-Identifier: BSD-2-Clause */
/* Frames waiting for their departure time: a binary min-heap ordered by (due time, arrival
 * number), so frames due at the same instant leave in arrival order. */
#ifndef IOTCP_NETEM_RELAY_FRAME_HEAP_H
#define IOTCP_NETEM_RELAY_FRAME_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

struct frame {
	uint64_t due_ns;
	uint64_t seq;
	struct virtio_net_hdr vh; /* offload state as received (PACKET_VNET_HDR) */
	uint32_t len;
	uint8_t dir;	/* index of the interface the frame goes out on */
	uint8_t data[]; /* the Ethernet frame */
};

struct frame_heap {
	struct frame **v;
	size_t n;
	size_t cap;
	size_t limit; /* most frames held at once */
};

/* An empty heap holding at most `limit` frames. Returns 0 or -1 (out of memory). */
int frame_heap_init(struct frame_heap *h, size_t limit);

/* Frees the heap and every frame still in it. */
void frame_heap_fini(struct frame_heap *h);

/* Takes ownership of f. Returns 0, or -1 when the heap is at its limit or memory is short
 * (the caller keeps f). */
int frame_heap_push(struct frame_heap *h, struct frame *f);

/* The earliest frame, or NULL when empty. */
struct frame *frame_heap_peek(const struct frame_heap *h);

/* Removes and returns the earliest frame (the caller owns it), or NULL when empty. */
struct frame *frame_heap_pop(struct frame_heap *h);

#endif
