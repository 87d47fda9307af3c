/* SPDX-License-Identifier: BSD-2-Clause */
/* The offload command frame on the host link (offload_cmd.c): filled per loop pass, sent at
 * host_offload_flush or when full. */
#ifndef IOTCP_HOST_OFFLOAD_CMD_H
#define IOTCP_HOST_OFFLOAD_CMD_H

#include <stdbool.h>
#include <stddef.h>

struct iotcp_ctx;
struct proto_writer;

bool host_off_cmd_room(struct iotcp_ctx *ctx, size_t payload_len);
struct proto_writer *host_off_cmd_writer(struct iotcp_ctx *ctx, size_t payload_len);
/* The open command frame holds key material: zeroed by the link after the send. */
void host_off_cmd_secret(struct iotcp_ctx *ctx);
void host_offload_flush(struct iotcp_ctx *ctx);

#endif
