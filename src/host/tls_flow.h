/* SPDX-License-Identifier: BSD-2-Clause */
/* The TLS side of an offloaded flow (tls_flow.c): TLS_KEY for the key epochs of its bodies (the
 * keys: tls_keys.h), TLS_SEND for every range TCP sends of a body (tls_offload.h). */
#ifndef IOTCP_HOST_TLS_FLOW_H
#define IOTCP_HOST_TLS_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/offload.h"

struct iotcp_ctx;
struct host_off_flow;
struct host_off_tls;

#define HOST_TLS_REKEY_MAX 4u /* TLS_KEY resends per flow before the connection is reset */

/* TLS_KEY(flow, epoch) unless the flow already has it. false when it cannot be queued. */
bool host_tls_flow_key(struct iotcp_ctx *ctx, struct host_off_flow *f, uint32_t epoch);
/* The NIC has no key for cmd's epoch: send it again (bounded). false: give up (reset). */
bool host_tls_flow_rekey(struct iotcp_ctx *ctx, struct host_off_flow *f,
			 const struct proto_send *cmd);
/* Make cmd a TLS_SEND of body b (cmd->file_off is the offset in the record stream). */
void host_tls_send_cmd(struct proto_send *cmd, const struct host_off_tls *b);

#endif
