/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS file bodies sealed on the NIC (iotcp_offload_write on a TLS socket): the record stream
 * of a file range reserved in the TCP core, TLS_KEY for the flow's key epochs, TLS_SEND for
 * every range TCP sends of it.
 *
 * A body is the file range one offload write accepted: records of HOST_TLS_REC_SIZE plaintext
 * bytes aligned to file offsets (src/tls/record.h), sequence numbers taken from the session's
 * counter, which advances by the number of records. The write takes whole records only, as
 * many as the send space and the key's usage limit allow. A write that continues the previous
 * body of the same file (it ended on a record boundary, same key epoch, nothing written in
 * between) extends that body: the same records, one longer reservation, bigger TSO bursts. */
#ifndef IOTCP_HOST_TLS_OFFLOAD_H
#define IOTCP_HOST_TLS_OFFLOAD_H

#include <stdbool.h>
#include <sys/types.h>

#include "proto/offload.h"

struct iotcp_ctx;
struct host_sock;
struct host_fid;
struct host_off_flow;
struct host_off_tls;

#define HOST_TLS_TAG (1ull << 62) /* TCP reservation tags of TLS bodies */
#define HOST_TLS_REKEY_MAX 4u /* TLS_KEY resends per flow before the connection is reset */

ssize_t host_tls_offload_write(struct iotcp_ctx *ctx, struct host_sock *s, struct host_fid *fid,
			       off_t *offset, size_t len);
/* TLS_KEY(flow, epoch) unless the flow already has it. false when it cannot be queued. */
bool host_tls_flow_key(struct iotcp_ctx *ctx, struct host_off_flow *f, uint32_t epoch);
/* The NIC has no key for cmd's epoch: send it again (bounded). false: give up (reset). */
bool host_tls_flow_rekey(struct iotcp_ctx *ctx, struct host_off_flow *f,
			 const struct proto_send *cmd);
/* Make cmd a TLS_SEND of body b (cmd->file_off is the offset in the record stream). */
void host_tls_send_cmd(struct proto_send *cmd, const struct host_off_tls *b);

#endif
