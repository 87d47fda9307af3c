/* SPDX-License-Identifier: BSD-2-Clause */
/* Offloaded flows and their SENDs (offload_send.c; the design: offload_types.h). */
#ifndef IOTCP_HOST_OFFLOAD_SEND_H
#define IOTCP_HOST_OFFLOAD_SEND_H

#include <stdbool.h>

struct iotcp_ctx;
struct host_off_flow;
struct host_off_res;
struct host_sock;
struct proto_echo;
struct proto_error;
struct tcp_seg;

void host_offload_init(struct iotcp_ctx *ctx);
/* iotcp_destroy: abort every flow, free every fid and the state. */
void host_offload_destroy(struct iotcp_ctx *ctx);
struct host_off_flow *host_off_flow_of(struct iotcp_ctx *ctx, struct host_sock *s);
/* Record a reservation just made on the flow (merged into the last one when the core merged
 * it: same tag, contiguous, nothing in between). */
int host_off_flow_reserve(struct iotcp_ctx *ctx, struct host_off_flow *f,
			  const struct host_off_res *r);
/* Build and queue the SEND for a TCP_PAYLOAD_EXT segment. */
void host_offload_output(struct iotcp_ctx *ctx, const struct tcp_seg *seg);
void host_off_echo(struct iotcp_ctx *ctx, const struct proto_echo *e);
void host_off_error(struct iotcp_ctx *ctx, const struct proto_error *e);
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
