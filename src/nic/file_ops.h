/* SPDX-License-Identifier: BSD-2-Clause */
/* OPEN, FSTAT and CLOSE, and the table of open files behind the fids: a fid is a slot index with
 * a generation in its top bits, so a stale fid is rejected, not confused with a new file. */
#ifndef IOTCP_NIC_FILE_OPS_H
#define IOTCP_NIC_FILE_OPS_H

#include <stdint.h>

struct nic_engine;
struct nic_file;
struct proto_cmd;

/* The fid of file slot index. */
uint32_t eng_fid_make(const struct nic_engine *e, uint32_t index);
/* The open file fid names (its slot in *index), or NULL: unknown, stale, or closed by the host. */
struct nic_file *eng_fid_lookup(struct nic_engine *e, uint32_t fid, uint32_t *index);
/* Close slot index if the host closed it and nothing uses it any more (CLOSE_DONE unless the
 * host forgot it). */
void eng_file_release(struct nic_engine *e, uint32_t index);
/* The I/O context opened (res: an fd) or failed (res < 0) the pending OPEN in slot. */
void eng_open_complete(struct nic_engine *e, uint32_t slot, int res);
void eng_cmd_open(struct nic_engine *e, const struct proto_cmd *cmd);
void eng_cmd_fstat(struct nic_engine *e, const struct proto_cmd *cmd);
void eng_cmd_close(struct nic_engine *e, const struct proto_cmd *cmd);

#endif
