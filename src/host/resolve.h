/* SPDX-License-Identifier: BSD-2-Clause */
/* Next-hop resolution over the neighbour cache, both families (resolve.c): the timers of its
 * entries. Frames waiting for a resolution are sent by host_neigh_flush (tx_batch.h). */
#ifndef IOTCP_HOST_RESOLVE_H
#define IOTCP_HOST_RESOLVE_H

struct iotcp_ctx;

/* Retries (ARP requests, ND solicitations), expiry, refresh of stale entries. */
void host_neigh_timers(struct iotcp_ctx *ctx);

#endif
