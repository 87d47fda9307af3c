/* SPDX-License-Identifier: BSD-2-Clause */
/* SYNC with the NIC (offload_sync.c): after the NIC link came back (same boot id) and
 * periodically. */
#ifndef IOTCP_HOST_OFFLOAD_SYNC_H
#define IOTCP_HOST_OFFLOAD_SYNC_H

struct iotcp_ctx;
struct proto_sync_done;

void host_offload_sync_start(struct iotcp_ctx *ctx);
/* The NIC restarted (it has nothing to sync) or a sync finished: the next in a period. */
void host_offload_sync_cancel(struct iotcp_ctx *ctx);
void host_offload_sync_timers(struct iotcp_ctx *ctx);
void host_offload_sync_done(struct iotcp_ctx *ctx, const struct proto_sync_done *d);

#endif
