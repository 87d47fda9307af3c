/* SPDX-License-Identifier: BSD-2-Clause */
/* Offloaded flows (offload_flow.c; the design: offload_types.h): the flow table, reservations,
 * the per-pass work, aborts and ends. */
#ifndef IOTCP_HOST_OFFLOAD_FLOW_H
#define IOTCP_HOST_OFFLOAD_FLOW_H

#include <stdbool.h>
#include <stdint.h>

struct iotcp_ctx;
struct host_off_flow;
struct host_off_res;
struct host_off_send;
struct host_sock;

void host_offload_init(struct iotcp_ctx *ctx);
/* iotcp_destroy: abort every flow, free every fid and the state. */
void host_offload_destroy(struct iotcp_ctx *ctx);
struct host_off_flow *host_off_flow_of(struct iotcp_ctx *ctx, struct host_sock *s);
/* The live flow with NIC flow id `id`, or NULL. */
struct host_off_flow *host_off_flow_lookup(struct iotcp_ctx *ctx, uint32_t id);
/* Record a reservation just made on the flow (merged into the last one when the core merged
 * it: same tag, contiguous, nothing in between). */
int host_off_flow_reserve(struct iotcp_ctx *ctx, struct host_off_flow *f,
			  const struct host_off_res *r);
/* Queue e's SEND command (again); false when it cannot be queued. */
bool host_off_put_send(struct iotcp_ctx *ctx, struct host_off_send *e);
/* Forget the flow's i-th SEND. */
void host_off_send_remove(struct host_off_flow *f, uint32_t i);
/* More than HOST_OFF_BUSY_BYTES of file data queued and unacknowledged (stops counting there). */
bool host_offload_busy(const struct iotcp_ctx *ctx);
/* Per loop pass: echo timeouts, SEND retries, ACKD, orphans, finished flows. */
void host_offload_pass(struct iotcp_ctx *ctx);
/* The socket is being closed (abort: RST). Returns true when the offload module took the
 * connection (orphan or aborted): the caller must not close it. */
bool host_offload_sock_release(struct iotcp_ctx *ctx, struct host_sock *s, bool abort);
void host_offload_inline_written(struct host_sock *s);
/* Reset the socket's connection (RST to the peer); the socket then reports err. */
void host_offload_abort_sock(struct iotcp_ctx *ctx, struct host_sock *s, int err);
/* The NIC restarted: every flow with external data is reset. */
void host_offload_nic_restart(struct iotcp_ctx *ctx);

#endif
