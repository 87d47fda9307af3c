/* SPDX-License-Identifier: BSD-2-Clause */
/* The tx batch of a context: every frame the host sends (TCP, ARP, ICMP, NIC commands) is
 * built in a link buffer from host_tx_get, queued by host_tx_put and handed to the link in
 * bursts by host_tx_flush (when the batch is full, and at the end of each poll pass). */
#ifndef IOTCP_HOST_TX_BATCH_H
#define IOTCP_HOST_TX_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "host/link.h"

struct iotcp_ctx;
struct neigh_entry;

/* A tx buffer for one frame, or false (counted) when none is free. */
bool host_tx_get(struct iotcp_ctx *ctx, struct host_frame *f);
/* Queue f with len bytes for the next burst (short frames are padded to 60 bytes). */
void host_tx_put(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len);
void host_tx_flush(struct iotcp_ctx *ctx);
/* Queue the frames that waited for e's resolution (ARP or ND), addressed to its MAC. */
void host_neigh_flush(struct iotcp_ctx *ctx, struct neigh_entry *e);

#endif
