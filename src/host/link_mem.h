/* SPDX-License-Identifier: BSD-2-Clause */
/* An in-memory frame link: two endpoints joined by two bounded queues, no DPDK. Frames a side
 * transmits are copied into the other side's receive queue (dropped and counted as tx_refused
 * when it is full). Single-threaded: both endpoints are used from one thread. */
#ifndef IOTCP_HOST_LINK_MEM_H
#define IOTCP_HOST_LINK_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "host/link.h"

#define LINK_MEM_FRAME_MAX 9216u /* buffer size of one frame */
#define LINK_MEM_QUEUE	   4096u /* default queue depth */

/* Create a connected pair with the given MACs and queue depth (0 = LINK_MEM_QUEUE). Both are
 * freed with host_link_close (in any order: the survivor just stops delivering). Returns 0 or
 * -ENOMEM. */
int link_mem_pair(const struct mac_addr *mac_a, const struct mac_addr *mac_b, unsigned depth,
		  struct host_link **a, struct host_link **b);

/* Frames waiting in l's receive queue. */
unsigned link_mem_pending(const struct host_link *l);

/* Put a frame straight into l's receive queue, as if the peer had sent it. 0, -EMSGSIZE or
 * -ENOBUFS (queue full). */
int link_mem_inject(struct host_link *l, const void *frame, size_t len);

/* Take the oldest frame from l's receive queue into buf (cap bytes). Returns its length,
 * 0 when the queue is empty, or -EMSGSIZE (the frame is dropped) when cap is too small. */
long link_mem_take(struct host_link *l, void *buf, size_t cap);

/* For tests: how many of the buffers l holds (its pool and its receive queue) contain the
 * len bytes at needle anywhere in their data. */
unsigned link_mem_find(const struct host_link *l, const void *needle, size_t len);

#endif
