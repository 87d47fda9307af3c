/* SPDX-License-Identifier: BSD-2-Clause */
/* Offloaded files (offload.c): the offload calls of iotcp.h but iotcp_offload_write
 * (offload_write.c), the fids behind them, their OPEN / CLOSE with the NIC (types and the
 * design: offload_types.h). */
#ifndef IOTCP_HOST_OFFLOAD_H
#define IOTCP_HOST_OFFLOAD_H

#include <stdint.h>

struct iotcp_ctx;
struct host_fid;
struct proto_close;
struct proto_open_done;

struct host_fid *host_fid_get(struct iotcp_ctx *ctx, int desc);
/* A usable (not closing) fid or NULL with errno EBADF. */
struct host_fid *host_fid_lookup(struct iotcp_ctx *ctx, int desc);
void host_fid_open_done(struct iotcp_ctx *ctx, const struct proto_open_done *d);
void host_fid_close_done(struct iotcp_ctx *ctx, const struct proto_close *c);
void host_fid_open_error(struct iotcp_ctx *ctx, uint32_t req_id, int err);
/* A fid's last unacknowledged byte went away: send CLOSE if it is closing. */
void host_fid_release_bytes(struct iotcp_ctx *ctx, int desc, uint64_t n);
void host_fid_timers(struct iotcp_ctx *ctx);
/* The NIC restarted: pending opens fail with EIO, open fids become invalid (EBADF). */
void host_fid_nic_restart(struct iotcp_ctx *ctx);
void host_fid_free(struct iotcp_ctx *ctx, int desc);

#endif
