/* SPDX-License-Identifier: BSD-2-Clause */
/* SENDs (offload_send.c; the design: offload_types.h): built from TCP_PAYLOAD_EXT segments, and
 * the NIC's ECHO and ERROR for them. */
#ifndef IOTCP_HOST_OFFLOAD_SEND_H
#define IOTCP_HOST_OFFLOAD_SEND_H

struct iotcp_ctx;
struct proto_echo;
struct proto_error;
struct tcp_seg;

/* Build and queue the SEND for a TCP_PAYLOAD_EXT segment. */
void host_offload_output(struct iotcp_ctx *ctx, const struct tcp_seg *seg);
void host_off_echo(struct iotcp_ctx *ctx, const struct proto_echo *e);
void host_off_error(struct iotcp_ctx *ctx, const struct proto_error *e);

#endif
