/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS file bodies sealed on the NIC (iotcp_offload_write on a TLS socket): the record stream
 * of a file range reserved in the TCP core (TLS_KEY for the flow's key epochs and TLS_SEND for
 * every range TCP sends of it: tls_flow.h).
 *
 * A body is the file range one offload write accepted: records of HOST_TLS_REC_SIZE plaintext
 * bytes aligned to file offsets (src/tls/record.h), sequence numbers taken from the session's
 * counter, which advances by the number of records. The write takes whole records only, as
 * many as the send space and the key's usage limit allow. A write that continues the previous
 * body of the same file (it ended on a record boundary, same key epoch, nothing written in
 * between) extends that body: the same records, one longer reservation, bigger TSO bursts. */
#ifndef IOTCP_HOST_TLS_OFFLOAD_H
#define IOTCP_HOST_TLS_OFFLOAD_H

#include <sys/types.h>

struct iotcp_ctx;
struct host_sock;
struct host_fid;

ssize_t host_tls_offload_write(struct iotcp_ctx *ctx, struct host_sock *s, struct host_fid *fid,
			       off_t *offset, size_t len);

#endif
