/* SPDX-License-Identifier: BSD-2-Clause */
/* SYNC / SYNC_DONE (docs/protocol.md "Resynchronisation"): after the host link comes back
 * without a NIC restart (same boot id), and periodically as a safety net, the host tells the
 * NIC what is still alive -- its flows (with the acknowledged sequence number), its open fids
 * and its pending OPENs -- and the NIC releases every other flow and file: what ACKD(END) and
 * CLOSE would have released had they not been skipped or lost.
 *
 * SYNC, host -> NIC (12 bytes + count x 12):
 *   0 u32 epoch  4 u8 kind  5 u8 flags (0)  6 u16 count  8 u32 total
 *   12 count x (u32 id | u32 value | u32 flags)
 * kind 1 flows (id = flow, value = acked, valid with entry flag 1), 2 fids (id = fid), 3 opens
 * (id = req_id of an OPEN not yet answered), 0 end (count 0; total = entries sent in this
 * epoch). A new epoch starts a new sync; END with the right total finishes it.
 *
 * SYNC_DONE, NIC -> host (24 bytes):
 *   0 u32 epoch  4 i32 err (0; -EAGAIN: entries missing or another epoch, send again;
 *   -E2BIG: too many entries)  8 u32 flows released  12 u32 files released
 *   16 u32 jobs released  20 u32 reserved */
#ifndef IOTCP_PROTO_SYNC_H
#define IOTCP_PROTO_SYNC_H

#include <stdint.h>

#include "proto/proto.h"

#define PROTO_SYNC_LEN	       12u
#define PROTO_SYNC_ENTRY_LEN   12u
#define PROTO_SYNC_DONE_LEN    24u
#define PROTO_SYNC_E_VALUE     0x1u /* entry flag: value holds the flow's acked */
#define PROTO_SYNC_MAX_ENTRIES 512u /* per SYNC command the writer builds */

enum proto_sync_kind {
	PROTO_SYNC_END = 0,
	PROTO_SYNC_FLOWS = 1,
	PROTO_SYNC_FIDS = 2,
	PROTO_SYNC_OPENS = 3,
};

struct proto_sync_entry {
	uint32_t id, value, flags;
};

struct proto_sync {
	uint32_t epoch;
	uint8_t kind;
	uint16_t count;
	uint32_t total;		/* END */
	const uint8_t *entries; /* count entries, in the frame */
};

struct proto_sync_done {
	uint32_t epoch;
	int32_t err;
	uint32_t flows, files, jobs;
};

/* 0 or -PROTO_E_*: the kind is known, END has no entries, every entry is inside the command. */
int proto_sync_decode(const struct proto_cmd *cmd, struct proto_sync *out);
/* Entry i (< count) of a decoded SYNC. */
void proto_sync_entry(const struct proto_sync *s, uint16_t i, struct proto_sync_entry *e);
int proto_sync_done_decode(const struct proto_cmd *cmd, struct proto_sync_done *out);

int proto_put_sync(struct proto_writer *w, uint32_t epoch, uint8_t kind, uint32_t total,
		   const struct proto_sync_entry *e, uint16_t count);
int proto_put_sync_done(struct proto_writer *w, const struct proto_sync_done *d);

#endif
